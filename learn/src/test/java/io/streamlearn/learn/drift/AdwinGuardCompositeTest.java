package io.streamlearn.learn.drift;

import io.streamlearn.learn.LearnerContractTest;

class AdwinGuardCompositeTest extends LearnerContractTest {

    @Override
    protected String spec() {
        return "ema:tau=1s,of=features+drift:detector=adwin,rows=8+delta";
    }

    @Override
    protected int stressUpdates() {
        return 200_000;
    }
}
