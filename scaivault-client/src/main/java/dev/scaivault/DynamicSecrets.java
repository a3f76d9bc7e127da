package dev.scaivault;

import java.time.Duration;

/**
 * ScaiVault's dynamic secrets: generate credentials for an engine's role, and manage their leases. Every
 * method is a single call (with the client's retry policy); keeping a lease alive is the job of a lease
 * source built on top of this.
 *
 * @see ScaiVault#dynamic()
 */
public interface DynamicSecrets {

    /**
     * Generates credentials ({@code POST /v1/dynamic/engines/{engine}/creds/{role}}).
     *
     * @param ttl the life to ask for, or {@code null} for the engine's default
     */
    Lease generate(String engine, String role, Duration ttl);

    /**
     * Asks for {@code increment} more life. Near the engine's max TTL the server grants less than asked;
     * compare {@link Lease#expiresAt()} with what you asked for.
     *
     * @throws ScaiVaultApiException {@code lease_not_found} (404) when the lease is gone,
     *     {@code lease_not_renewable} (400)
     */
    Lease renew(String leaseId, Duration increment);

    /** Revokes a lease; a lease that is already gone counts as revoked. */
    void revoke(String leaseId);

    /** Looks a lease up (without its data). */
    Lease lookup(String leaseId);

    /**
     * This API with every call made once, without the client's retries (a 401 still gets its one token
     * refresh): for a caller with a retry schedule of its own, such as a lease source. Retrying at both levels
     * would multiply the requests of each scheduled attempt, and when the identity's rate limit answers 429,
     * every extra request goes against the bucket the whole fleet shares. The default returns {@code this},
     * right for an implementation that does not retry.
     */
    default DynamicSecrets singleAttempt() {
        return this;
    }
}
