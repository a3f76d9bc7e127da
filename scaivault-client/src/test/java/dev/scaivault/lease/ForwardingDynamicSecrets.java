package dev.scaivault.lease;

import dev.scaivault.DynamicSecrets;
import dev.scaivault.Lease;
import java.time.Duration;

/** Delegates every call; tests override the one they want to bend. */
class ForwardingDynamicSecrets implements DynamicSecrets {
    private final DynamicSecrets delegate;

    ForwardingDynamicSecrets(DynamicSecrets delegate) {
        this.delegate = delegate;
    }

    @Override
    public Lease generate(String engine, String role, Duration ttl) {
        return delegate.generate(engine, role, ttl);
    }

    @Override
    public Lease renew(String leaseId, Duration increment) {
        return delegate.renew(leaseId, increment);
    }

    @Override
    public void revoke(String leaseId) {
        delegate.revoke(leaseId);
    }

    @Override
    public Lease lookup(String leaseId) {
        return delegate.lookup(leaseId);
    }
}
