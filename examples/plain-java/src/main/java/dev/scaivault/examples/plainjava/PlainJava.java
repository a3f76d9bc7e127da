package dev.scaivault.examples.plainjava;

import com.zaxxer.hikari.HikariDataSource;
import dev.scaivault.ScaiVault;
import dev.scaivault.SecretCredentialSource;
import dev.scaivault.hikari.HikariCredentialBinding;
import java.sql.Connection;
import java.sql.ResultSet;

/**
 * The shortest complete integration: a client, a credential source and a pool bound to it. From now on
 * every rotation of {@code apps/demo/db} on the server reaches the pool without a restart or a failed query.
 * Needs {@code SCAIVAULT_URL}, {@code SCAIVAULT_TOKEN} and {@code JDBC_URL} (see docs/demo.md).
 */
public final class PlainJava {
    private PlainJava() {}

    public static void main(String[] args) throws Exception {
        try (ScaiVault vault = ScaiVault.fromEnvironment();
                SecretCredentialSource db =
                        SecretCredentialSource.builder(vault, "apps/demo/db").build();
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
