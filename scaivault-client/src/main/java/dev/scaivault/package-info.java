/**
 * The ScaiVault client: {@link dev.scaivault.ScaiVault} (one per process, {@link java.lang.AutoCloseable}),
 * {@link dev.scaivault.Auth} (static token, client credentials, Kubernetes workload identity), the
 * {@link dev.scaivault.Secrets}, {@link dev.scaivault.DynamicSecrets} and {@link dev.scaivault.Events} calls,
 * the exception hierarchy rooted at {@link dev.scaivault.ScaiVaultException}, and the small pieces every
 * other package shares: {@link dev.scaivault.Time} (the clock, scheduler and I/O executor every timed
 * component takes, so a test can drive it in virtual time) and {@link dev.scaivault.Backoff} (the one retry
 * schedule).
 *
 * <p>No message, {@code toString()} or log line produced here carries a secret value: they name the path,
 * version, lease id and request id instead.
 */
package dev.scaivault;
