package dev.scaivault.pool;

import javax.sql.DataSource;

/**
 * For pool adapters: finds the {@link PoolAdapter} for a pool. Registered in {@code
 * META-INF/services/dev.scaivault.pool.PoolAdapterProvider} of the adapter's jar; {@link PoolBinding#bind}
 * asks each provider in turn.
 */
public interface PoolAdapterProvider {

    /** Whether {@code pool} is a pool this provider adapts (checked by class name: its pool may be absent). */
    boolean supports(DataSource pool);

    /** The adapter for {@code pool}, which {@link #supports} accepted. */
    PoolAdapter adapt(DataSource pool);
}
