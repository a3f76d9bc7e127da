/**
 * The one central abstraction: a {@link dev.scaivault.source.SecretSource} holds the current value of one
 * secret, says when it changes, and reports its health as a {@link dev.scaivault.source.SourceStatus}.
 * Files, rotated static secrets and dynamic leases are all sources; a pool binding consumes any of them.
 * {@link dev.scaivault.source.SecretSource#map} turns a source of raw values into a source of
 * {@link dev.scaivault.source.Credentials}; {@link dev.scaivault.source.SecretSource#withFallback} serves a
 * break-glass value while the primary has none. {@link dev.scaivault.source.AbstractSecretSource} is the
 * base for your own kind of source.
 */
package dev.scaivault.source;
