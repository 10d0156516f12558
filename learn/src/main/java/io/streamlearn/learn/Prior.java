package io.streamlearn.learn;

/**
 * The prior a new key starts from: what the {@link Population} of a learner's keys says about a key
 * never seen. Immutable after construction (its arrays are not copied: treat them as read-only).
 *
 * @param keys          how many keys contributed
 * @param mean          the mean of the keys' contributions (length L)
 * @param covariance    between-key covariance plus the keys' mean posterior covariance, packed upper
 *                      triangle row by row ({@link Population#packedSize}(L)), or null when the learner
 *                      uses only the mean
 * @param noiseVariance the keys' mean observation-noise variance in label units, or NaN
 */
public record Prior(long keys, double[] mean, double[] covariance, double noiseVariance) {
}
