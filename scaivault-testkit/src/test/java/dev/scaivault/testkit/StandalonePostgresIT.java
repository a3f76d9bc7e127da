package dev.scaivault.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.scaivault.testkit.pg.TestPostgres;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StandalonePostgresIT {
    @TempDir
    Path dir;

    /** A running standalone server with what it printed; closing it closes the server, then its database. */
    static final class Running implements AutoCloseable {
        final List<AutoCloseable> started = new ArrayList<>();
        final ScaiVaultDevServer server;
        final String out;

        Running(String... args) {
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            server = Standalone.start(args, new PrintStream(buf, true, StandardCharsets.UTF_8), started);
            started.add(server);
            out = buf.toString(StandardCharsets.UTF_8);
        }

        String printed(String prefix) {
            return out.lines()
                    .filter(l -> l.startsWith(prefix))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("no line " + prefix + " in\n" + out))
                    .substring(prefix.length());
        }

        JsonNode lease() {
            Http.Resp r = new Http(server)
                    .token(printed("export SCAIVAULT_TOKEN="))
                    .post("/v1/dynamic/engines/postgres/creds/app", "{}");
            assertThat(r.status()).as(r.body()).isEqualTo(200);
            return r.json();
        }

        Connection connect(JsonNode lease) throws SQLException {
            return DriverManager.getConnection(
                    printed("export JDBC_URL="),
                    lease.path("data").path("username").asText(),
                    lease.path("data").path("password").asText());
        }

        @Override
        public void close() {
            for (int i = started.size() - 1; i >= 0; i--) {
                try {
                    started.get(i).close();
                } catch (Exception e) {
                    throw new IllegalStateException("closing " + started.get(i), e);
                }
            }
        }
    }

    static String one(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    @Test
    void withPostgresTheDefaultRoleLogsInAndActsAsTheOwnerOfTheAppsTables() throws Exception {
        try (Running r = new Running("--port", "0", "--postgres")) {
            assertThat(r.printed("PostgreSQL: ")).endsWith("(embedded, data deleted at stop)");
            assertThat(r.printed("Dynamic role: "))
                    .isEqualTo("postgres/app (lease TTL 1h, max TTL 24h; tables owned by app_owner)");
            JsonNode lease = r.lease();
            try (Connection c = r.connect(lease)) {
                assertThat(one(c, "SELECT session_user"))
                        .isEqualTo(lease.path("data").path("username").asText());
                assertThat(one(c, "SELECT current_user")).isEqualTo("app_owner");
                c.createStatement().execute("CREATE TABLE made_by_the_app (x int)");
            }
        }
    }

    @Test
    void aFixedPortAndDataDirectoryKeepTheUrlAndTheSchemaAcrossRestarts() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        String[] args = {
            "--port",
            "0",
            "--postgres-port",
            Integer.toString(port),
            "--postgres-data",
            dir.resolve("pg").toString()
        };
        String url;
        try (Running first = new Running(args)) {
            url = first.printed("export JDBC_URL=");
            assertThat(url).isEqualTo("jdbc:postgresql://127.0.0.1:" + port + "/postgres");
            assertThat(first.printed("PostgreSQL: ")).contains("data kept in " + dir.resolve("pg"));
            try (Connection c = first.connect(first.lease());
                    Statement st = c.createStatement()) {
                st.execute("CREATE TABLE orders (id int PRIMARY KEY)");
                st.execute("INSERT INTO orders VALUES (1)");
            }
        }
        try (Running second = new Running(args)) {
            assertThat(second.printed("export JDBC_URL=")).isEqualTo(url);
            try (Connection c = second.connect(second.lease())) {
                assertThat(one(c, "SELECT count(*) FROM orders")).isEqualTo("1");
                // The first run revoked its lease at stop: only the owner and this lease's role are left.
                assertThat(one(c, "SELECT count(*) FROM pg_roles WHERE rolname LIKE 'v_app_%'"))
                        .isEqualTo("1");
            }
        }
    }

    @Test
    void anExistingPostgresCanHostTheRolesWithTheAdminFromTheUrl() throws Exception {
        try (TestPostgres pg = TestPostgres.start();
                Running r = new Running("--port", "0", "--postgres-url", pg.jdbcUrl() + "?user=postgres&ssl=false")) {
            assertThat(r.printed("export JDBC_URL=")).isEqualTo(pg.jdbcUrl() + "?ssl=false");
            assertThat(r.printed("PostgreSQL: ")).endsWith("(existing database, admin user postgres)");
            try (Connection c = r.connect(r.lease())) {
                assertThat(one(c, "SELECT current_user")).isEqualTo("app_owner");
            }
        }
    }
}
