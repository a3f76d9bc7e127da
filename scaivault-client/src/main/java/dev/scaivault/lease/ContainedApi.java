package dev.scaivault.lease;

import dev.scaivault.DynamicSecrets;
import dev.scaivault.Lease;
import dev.scaivault.ScaiVaultException;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * The API with any {@link Error} of a call (an allocation failing on an absurd answer, say) turned into a
 * failure like any other: every caller here handles {@link RuntimeException} by scheduling the next attempt,
 * and an error passing through instead would end the schedule for good.
 */
final class ContainedApi implements DynamicSecrets {
    private final DynamicSecrets api;

    ContainedApi(DynamicSecrets api) {
        this.api = api;
    }

    @Override
    public Lease generate(String engine, String role, Duration ttl) {
        return contained(() -> api.generate(engine, role, ttl));
    }

    @Override
    public Lease renew(String leaseId, Duration increment) {
        return contained(() -> api.renew(leaseId, increment));
    }

    @Override
    public void revoke(String leaseId) {
        contained(() -> {
            api.revoke(leaseId);
            return null;
        });
    }

    @Override
    public Lease lookup(String leaseId) {
        return contained(() -> api.lookup(leaseId));
    }

    private static <T> T contained(Supplier<T> call) {
        try {
            return call.get();
        } catch (Error e) {
            throw new ScaiVaultException(
                    "the call failed unexpectedly: " + e.getClass().getName(), e);
        }
    }
}
