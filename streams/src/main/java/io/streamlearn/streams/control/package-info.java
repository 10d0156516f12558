/**
 * Beside the route: the {@code model-control} topic. {@link io.streamlearn.streams.control.ModelControl}
 * is its wire format (scopes, model lists, {@code forget:<key>} requests);
 * {@link io.streamlearn.streams.control.ModelControlProcessor} validates each record into the global
 * control store every instance reads. May use: {@code metrics}.
 */
package io.streamlearn.streams.control;
