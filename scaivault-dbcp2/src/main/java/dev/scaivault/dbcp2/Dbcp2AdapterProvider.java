package dev.scaivault.dbcp2;

import dev.scaivault.pool.PoolAdapter;
import dev.scaivault.pool.PoolAdapterProvider;
import javax.sql.DataSource;
import org.apache.commons.dbcp2.BasicDataSource;

/**
 * For {@link java.util.ServiceLoader}: adapts a Commons DBCP2 {@code BasicDataSource} (or a subclass) to the
 * shared rotation core. Not for direct use: {@link dev.scaivault.pool.PoolBinding#bind} finds it.
 */
public final class Dbcp2AdapterProvider implements PoolAdapterProvider {
    static final String POOL_CLASS = "org.apache.commons.dbcp2.BasicDataSource";

    /** Creates the provider; {@link java.util.ServiceLoader} calls this. */
    public Dbcp2AdapterProvider() {}

    @Override
    public boolean supports(DataSource pool) {
        // By name: this provider is found even where DBCP2 is absent, and must not fail there.
        for (Class<?> c = pool.getClass(); c != null; c = c.getSuperclass()) {
            if (c.getName().equals(POOL_CLASS)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public PoolAdapter adapt(DataSource pool) {
        return new Dbcp2Adapter((BasicDataSource) pool);
    }
}
