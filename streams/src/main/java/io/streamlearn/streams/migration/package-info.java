/**
 * Moving models between deployments: {@link io.streamlearn.streams.migration.ModelTransfer} exports
 * every model of an application from its store changelog into an Avro file and seeds another
 * application's changelog from such a file.
 */
package io.streamlearn.streams.migration;
