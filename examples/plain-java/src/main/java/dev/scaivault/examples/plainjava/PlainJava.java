package dev.scaivault.examples.plainjava;

import com.zaxxer.hikari.HikariDataSource;
import dev.scaivault.ScaiVault;
import dev.scaivault.hikari.HikariCredentialBinding;
import dev.scaivault.lease.LeaseSource;
import dev.scaivault.source.Credentials;
import dev.scaivault.source.SecretSource;
import java.sql.Connection;
import java.sql.ResultSet;

/**
 * The shortest complete integration: a client, a credential source and a pool bound to it. The source
 * keeps a dynamic PostgreSQL lease alive and replaces it before it runs out; the binding moves the pool to
 * each new role without a restart or a failed query, and the old lease is revoked once the pool has let go.
 * Needs {@code SCAIVAULT_URL}, {@code SCAIVAULT_TOKEN} and {@code JDBC_URL} (see docs/demo.md).
 */
public final class PlainJava {
    private PlainJava() {}

    public static void main(String[] args) throws Exception {
        try (ScaiVault vault = ScaiVault.fromEnvironment();
                SecretSource<Credentials> db =
                        LeaseSource.builder(vault, "postgres", "app").build();
                HikariDataSource pool = new HikariDataSource()) {
            pool.setJdbcUrl(System.getenv("JDBC_URL"));
            try (HikariCredentialBinding binding = HikariCredentialBinding.bind(pool, db);
                    Connection c = pool.getConnection();
                    ResultSet rs = c.createStatement().executeQuery("SELECT current_user")) {
                rs.next();
                System.out.println("connected as " + rs.getString(1) + " with the credentials of " + db.name());
            }
        }
    }
}
