package dev.scaivault.hikari;

import com.zaxxer.hikari.HikariDataSource;
import dev.scaivault.pool.PoolAdapter;
import dev.scaivault.pool.PoolAdapterProvider;
import javax.sql.DataSource;

/**
 * Lets {@code PoolBinding.bind(hikariDataSource, source)} rotate a HikariCP pool exactly as {@link
 * HikariCredentialBinding} does (with the credential setters; the provider option is the binding's own).
 */
public final class HikariAdapterProvider implements PoolAdapterProvider {
    private static final String HIKARI = "com.zaxxer.hikari.HikariDataSource";

    @Override
    public boolean supports(DataSource pool) {
        // By name first: without HikariCP on the class path, loading HikariDataSource would fail.
        for (Class<?> c = pool.getClass(); c != null; c = c.getSuperclass()) {
            if (c.getName().equals(HIKARI)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public PoolAdapter adapt(DataSource pool) {
        return new HikariPoolAdapter((HikariDataSource) pool);
    }
}
