package dev.scaivault.tomcat;

import dev.scaivault.pool.PoolAdapter;
import dev.scaivault.pool.PoolAdapterProvider;
import javax.sql.DataSource;
import org.apache.tomcat.jdbc.pool.DataSourceProxy;

/**
 * Lets {@code PoolBinding.bind(dataSource, source)} rotate a Tomcat JDBC pool ({@code
 * org.apache.tomcat.jdbc.pool.DataSource}, as Spring Boot creates it when tomcat-jdbc is its pool). Found
 * through {@link java.util.ServiceLoader}; applications do not call it.
 */
public final class TomcatJdbcAdapterProvider implements PoolAdapterProvider {
    private static final String PROXY = "org.apache.tomcat.jdbc.pool.DataSourceProxy";

    @Override
    public boolean supports(DataSource pool) {
        // By name: without tomcat-jdbc on the class path, loading DataSourceProxy would fail.
        for (Class<?> c = pool.getClass(); c != null; c = c.getSuperclass()) {
            if (c.getName().equals(PROXY)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public PoolAdapter adapt(DataSource pool) {
        return new TomcatPoolAdapter((DataSourceProxy) pool);
    }
}
