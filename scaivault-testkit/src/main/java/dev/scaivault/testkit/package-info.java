/**
 * A ScaiVault server for tests and local development, on loopback HTTP(S): {@link
 * dev.scaivault.testkit.ScaiVaultDevServer} (secrets, rotation events, dynamic PostgreSQL leases, scripted
 * faults and rate limits), its JUnit extension {@link dev.scaivault.testkit.ScaiVaultDevServerExtension},
 * the standalone command line, and {@link dev.scaivault.testkit.ManualTime} for driving timed client code in
 * virtual time. See {@code docs/testkit.md}.
 */
package dev.scaivault.testkit;
