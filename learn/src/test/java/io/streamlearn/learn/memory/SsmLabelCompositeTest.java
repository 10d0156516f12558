package io.streamlearn.learn.memory;

import io.streamlearn.learn.LearnerContractTest;

class SsmLabelCompositeTest extends LearnerContractTest {

    @Override
    protected String spec() {
        return "ssm:n=8,timescale=10s+delta:dk=2,dv=3+sgd";
    }

    @Override
    protected int stressUpdates() {
        return 200_000;
    }
}
