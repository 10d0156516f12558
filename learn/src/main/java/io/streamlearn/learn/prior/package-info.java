/**
 * Cold start from the population: {@link io.streamlearn.learn.prior.Population} (running mean and
 * covariance of the keys' contributions, with removal) and the {@link io.streamlearn.learn.prior.Prior}
 * it gives a new key; learners take part through {@link io.streamlearn.learn.PriorAware}.
 */
package io.streamlearn.learn.prior;
