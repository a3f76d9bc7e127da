/**
 * Dynamic database credentials: {@link dev.scaivault.lease.LeaseSource} obtains a lease, renews it, asks
 * for the next one ahead of the lease's end, and revokes the old one once every consumer has let go of it.
 * {@link dev.scaivault.lease.LeaseListener} observes each step. See {@code docs/leases.md}.
 */
package dev.scaivault.lease;
