package io.streamlearn.learn.sgd;

import io.streamlearn.learn.LearnerContractTest;
import org.junit.jupiter.api.Nested;

/**
 * The shared learner contract, once per meaningful {@code sgd} configuration. The outer class checks
 * the default ({@code sgd}); each nested class one loss, step or option.
 */
class SgdLearnerContractTest extends LearnerContractTest {

    @Override
    protected String spec() {
        return "sgd";
    }

    @Nested
    class Constant extends LearnerContractTest {
        @Override
        protected String spec() {
            return "sgd:step=constant,lr=0.05";
        }
    }

    @Nested
    class InverseScaling extends LearnerContractTest {
        @Override
        protected String spec() {
            return "sgd:step=invscaling,lr=0.05,power_t=0.5";
        }
    }

    @Nested
    class AdaGrad extends LearnerContractTest {
        @Override
        protected String spec() {
            return "sgd:step=adagrad";
        }
    }

    @Nested
    class Adam extends LearnerContractTest {
        @Override
        protected String spec() {
            return "sgd:step=adam,lr=0.05";
        }
    }

    @Nested
    class NormalizedWithoutLabelScale extends LearnerContractTest {
        @Override
        protected String spec() {
            return "sgd:step=normalized,label_scale=false,lr=0.5";
        }
    }

    @Nested
    class FtrlWithL1 extends LearnerContractTest {
        @Override
        protected String spec() {
            return "sgd:step=ftrl,alpha=0.5,beta=1,l1=1,l2=0.1";
        }
    }

    @Nested
    class Logistic extends LearnerContractTest {
        @Override
        protected String spec() {
            return "sgd:loss=logistic";
        }

        @Override
        protected boolean binaryLabels() {
            return true;
        }
    }

    @Nested
    class LogisticAdaGrad extends LearnerContractTest {
        @Override
        protected String spec() {
            return "sgd:loss=logistic,step=adagrad,lr=0.5";
        }

        @Override
        protected boolean binaryLabels() {
            return true;
        }
    }

    @Nested
    class Huber extends LearnerContractTest {
        @Override
        protected String spec() {
            return "sgd:loss=huber,delta=0.5";
        }
    }

    @Nested
    class Quantile extends LearnerContractTest {
        @Override
        protected String spec() {
            return "sgd:loss=quantile,tau=0.9";
        }
    }

    @Nested
    class Averaged extends LearnerContractTest {
        @Override
        protected String spec() {
            return "sgd:average=true";
        }
    }

    @Nested
    class ElasticNetClippedAdam extends LearnerContractTest {
        @Override
        protected String spec() {
            return "sgd:step=adam,l1=0.01,l2=0.1,clip=5,intercept_lr=0.001";
        }
    }

    @Nested
    class ElasticNetNormalized extends LearnerContractTest {
        @Override
        protected String spec() {
            return "sgd:l1=0.01,l2=0.1,clip=10";
        }
    }

    @Nested
    class NoIntercept extends LearnerContractTest {
        @Override
        protected String spec() {
            return "sgd:step=adagrad,intercept=false";
        }
    }

    /** The drift guard inflating the sgd readout (SgdLearner is DriftAware). */
    @Nested
    class UnderADriftGuardThatInflates extends LearnerContractTest {
        @Override
        protected String spec() {
            return "drift:detector=ph,action=inflate,factor=4+sgd";
        }

        @Override
        protected int stressUpdates() {
            return 200_000;
        }
    }
}
