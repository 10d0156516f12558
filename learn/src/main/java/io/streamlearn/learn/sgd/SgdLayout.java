package io.streamlearn.learn.sgd;

/**
 * Where each number of an {@link SgdLearner}'s state sits. With {@code D = d + 1} coordinates (the d
 * weights, then the intercept at index d), the values array is, in order:
 * <pre>
 *   [0, D)        w_0 … w_{d-1}, b   (ftrl: derived from z and n, cached; normalized: ŵ_i = w_i·s_i)
 *   [D, 2D)       slot A: adagrad G · adam m · normalized Ĝ · ftrl z        (absent for constant, invscaling)
 *   [2D, 3D)      slot B: adam v · normalized 1/s_i (0 = never seen) · ftrl n (absent otherwise)
 *   next D        averaged weights and intercept, in the same units as [0, D)  (only with average=true)
 *   then scalars  invscaling: t · adam: t · normalized: T, N · average: the averaging count
 *                 · normalized with label_scale: the sum of squared labels
 * </pre>
 * Memory: {@code 8·D·(1 + slots + average)} bytes plus up to 4 scalars. The order is part of the state
 * bytes: changing it breaks every stored state (the fixtures of {@code state} catch it). Offsets are -1
 * when absent. Immutable.
 */
final class SgdLayout {

    /** Length of the values array. */
    final int size;
    /** Slot A: adagrad G, adam m, normalized Ĝ, ftrl z. */
    final int slotA;
    /** Slot B: adam v, normalized 1/s, ftrl n. */
    final int slotB;
    /** The averaged weights and intercept. */
    final int avg;
    /** invscaling and adam: t; normalized: T. */
    final int scalarT;
    /** normalized: N. */
    final int scalarN;
    /** average: the averaging count. */
    final int scalarAvgCount;
    /** normalized with label_scale: the sum of squared labels. */
    final int scalarY;

    SgdLayout(SgdSpec spec) {
        int dd = spec.d + 1;
        int next = dd;
        int slots;
        switch (spec.step) {
            case CONSTANT:
            case INVSCALING:
                slots = 0;
                break;
            case ADAGRAD:
                slots = 1;
                break;
            default:
                slots = 2;
        }
        slotA = slots >= 1 ? next : -1;
        next += slots >= 1 ? dd : 0;
        slotB = slots >= 2 ? next : -1;
        next += slots >= 2 ? dd : 0;
        avg = spec.average ? next : -1;
        next += spec.average ? dd : 0;
        Step step = spec.step;
        scalarT = (step == Step.INVSCALING || step == Step.ADAM || step == Step.NORMALIZED) ? next++ : -1;
        scalarN = step == Step.NORMALIZED ? next++ : -1;
        scalarAvgCount = spec.average ? next++ : -1;
        scalarY = spec.labelScale ? next++ : -1;
        this.size = next;
    }
}
