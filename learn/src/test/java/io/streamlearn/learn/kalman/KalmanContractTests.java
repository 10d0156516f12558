package io.streamlearn.learn.kalman;

import io.streamlearn.learn.LearnerContractTest;
import io.streamlearn.learn.Learners;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The learner contract for every second-order learner and setting. */
class KalmanContractTests {

    @Nested
    class DefaultBank extends LearnerContractTest {
        @Override
        protected String spec() {
            return "kalman";
        }

        @Override
        protected int stressUpdates() {
            return 300_000;
        }

        @Test
        void shouldBeTheBankWithUncertainty() {
            assertTrue(learner() instanceof Standardized st && st.inner() instanceof KalmanBank, "a standardized bank");
            assertTrue(learner().hasUncertainty());
            assertEquals("kalman:bank=0.0/0.001/0.01/0.1,prior=4.0,alpha=0.999,intercept=true", learner().spec());
        }
    }

    @Nested
    class ShapedBank extends LearnerContractTest {
        @Override
        protected String spec() {
            return "kalman:shape=0.03";
        }

        @Test
        void shouldNameItsRateInTheSpec() {
            assertEquals("kalman:bank=0.0/0.001/0.01/0.1,prior=4.0,alpha=0.999,intercept=true,shape=0.03", learner().spec());
        }
    }

    @Nested
    class FixedKalman extends LearnerContractTest {
        @Override
        protected String spec() {
            return "kalman:q=1e-4,r=0.25,p0=1";
        }

        @Test
        void shouldBeTheSingleFilter() {
            assertTrue(Learners.create(spec(), 4) instanceof KalmanLearner);
            assertTrue(learner().hasUncertainty());
        }
    }

    @Nested
    class AutoNoiseKalman extends LearnerContractTest {
        @Override
        protected String spec() {
            return "kalman:q=1e-4,r=auto,p0=1";
        }
    }

    @Nested
    class TimeScaledKalman extends LearnerContractTest {
        @Override
        protected String spec() {
            return "kalman:q=1e-3,qtime=true,r=1,p0=10";
        }
    }

    @Nested
    class ForgettingRls extends LearnerContractTest {
        @Override
        protected String spec() {
            return "rls:lambda=0.99,p0=100";
        }
    }

    @Nested
    class PlainRls extends LearnerContractTest {
        @Override
        protected String spec() {
            return "rls:lambda=1,p0=1e6";
        }
    }
}
