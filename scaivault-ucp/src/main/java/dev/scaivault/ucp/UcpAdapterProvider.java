package dev.scaivault.ucp;

import dev.scaivault.pool.PoolAdapter;
import dev.scaivault.pool.PoolAdapterProvider;
import javax.sql.DataSource;
import oracle.ucp.jdbc.PoolDataSource;

/**
 * For {@link java.util.ServiceLoader}: adapts an Oracle UCP {@code PoolDataSource} to the shared rotation core.
 * Not for direct use: {@link dev.scaivault.pool.PoolBinding#bind} finds it.
 */
public final class UcpAdapterProvider implements PoolAdapterProvider {
    private static final String POOL_INTERFACE = "oracle.ucp.jdbc.PoolDataSource";

    /** Creates the provider; {@link java.util.ServiceLoader} calls this. */
    public UcpAdapterProvider() {}

    @Override
    public boolean supports(DataSource pool) {
        // By name: this provider is found even where UCP is absent, and must not fail there.
        for (Class<?> c = pool.getClass(); c != null; c = c.getSuperclass()) {
            for (Class<?> i : c.getInterfaces()) {
                if (i.getName().equals(POOL_INTERFACE)) {
                    return true;
                }
            }
        }
        return false;
    }

    @Override
    public PoolAdapter adapt(DataSource pool) {
        return new UcpAdapter((PoolDataSource) pool);
    }
}
