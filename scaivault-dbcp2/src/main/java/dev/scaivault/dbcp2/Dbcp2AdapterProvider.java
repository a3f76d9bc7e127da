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
    private static final String MANAGED_CLASS = "org.apache.commons.dbcp2.managed.BasicManagedDataSource";

    /** Creates the provider; {@link java.util.ServiceLoader} calls this. */
    public Dbcp2AdapterProvider() {}

    @Override
    public boolean supports(DataSource pool) {
        // By name: this provider is found even where DBCP2 is absent, and must not fail there.
        return is(pool, POOL_CLASS);
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalArgumentException for a {@code BasicManagedDataSource} given an {@code XADataSource}: its
     *     logins go through that data source with the user and password copied when the pool starts, which
     *     nothing can reach afterwards
     */
    @Override
    public PoolAdapter adapt(DataSource pool) {
        if (is(pool, MANAGED_CLASS) && Dbcp2Adapter.hasXaDataSource(pool)) {
            throw new IllegalArgumentException("a BasicManagedDataSource configured with an XADataSource cannot"
                    + " rotate credentials: DBCP2 opens its connections through the XADataSource with the"
                    + " credentials of its start; configure it with a URL (and no XADataSource) instead");
        }
        return new Dbcp2Adapter((BasicDataSource) pool);
    }

    private static boolean is(DataSource pool, String className) {
        for (Class<?> c = pool.getClass(); c != null; c = c.getSuperclass()) {
            if (c.getName().equals(className)) {
                return true;
            }
        }
        return false;
    }
}
