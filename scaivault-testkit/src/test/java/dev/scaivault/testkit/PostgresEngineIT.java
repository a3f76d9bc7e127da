package dev.scaivault.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.scaivault.testkit.pg.TestPostgres;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class PostgresEngineIT {
    static TestPostgres pg;
    ScaiVaultDevServer server;
    Http http;

    @BeforeAll
    static void startPostgres() throws SQLException {
        pg = TestPostgres.start();
        try (Connection c = pg.admin();
                Statement st = c.createStatement()) {
            st.execute("CREATE TABLE orders (id int PRIMARY KEY)");
            st.execute("INSERT INTO orders VALUES (1), (2)");
        }
    }

    @AfterAll
    static void stopPostgres() {
        pg.close();
    }

    @BeforeEach
    void start() {
        server = ScaiVaultDevServer.builder()
                .staticToken("skt_pg", "idn_pg")
                .postgresEngine("postgres", pg.adminDataSource(), pg.jdbcUrl())
                .postgresRole("postgres", "app", RoleConfig.of(Duration.ofSeconds(30), Duration.ofSeconds(60)))
                .postgresRole("postgres", "short", RoleConfig.of(Duration.ofSeconds(1), Duration.ofSeconds(3)))
                .postgresRole(
                        "postgres",
                        "reader",
                        RoleConfig.builder()
                                .defaultTtl(Duration.ofSeconds(30))
                                .maxTtl(Duration.ofSeconds(60))
                                .grants(
                                        "GRANT CONNECT ON DATABASE \"{{database}}\" TO \"{{name}}\"",
                                        "GRANT SELECT ON orders TO \"{{name}}\"")
                                .build())
                .start();
        http = new Http(server).token("skt_pg");
    }

    @AfterEach
    void stop() {
        server.close();
    }

    JsonNode create(String role, String body) {
        Http.Resp r = http.post("/v1/dynamic/engines/postgres/creds/" + role, body);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json();
    }

    static boolean roleExists(String name) throws SQLException {
        try (Connection c = pg.admin();
                PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pg_roles WHERE rolname = ?")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    static Instant validUntil(String name) throws SQLException {
        try (Connection c = pg.admin();
                PreparedStatement ps = c.prepareStatement("SELECT rolvaliduntil FROM pg_roles WHERE rolname = ?")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getTimestamp(1).toInstant();
            }
        }
    }

    static String currentUser(Connection c) throws SQLException {
        try (ResultSet rs = c.createStatement().executeQuery("SELECT current_user")) {
            rs.next();
            return rs.getString(1);
        }
    }

    @Test
    void aGeneratedRoleLogsInWithItsPasswordAndIsDroppedAtRevoke() throws SQLException {
        JsonNode lease = create("app", "{}");
        String user = lease.path("data").path("username").asText();
        String password = lease.path("data").path("password").asText();
        assertThat(roleExists(user)).isTrue();
        assertThat(validUntil(user))
                .isEqualTo(Instant.parse(lease.path("expires_at").asText()));
        Connection held = pg.connect(user, password);
        assertThat(currentUser(held)).isEqualTo(user);
        assertThatThrownBy(() -> pg.connect(user, password + "x")).isInstanceOf(SQLException.class);

        assertThat(http.post("/v1/dynamic/leases/" + lease.path("lease_id").asText() + "/revoke", null)
                        .status())
                .isEqualTo(204);
        assertThat(roleExists(user)).isFalse();
        // The session the application still held was terminated.
        assertThatThrownBy(() -> currentUser(held)).isInstanceOf(SQLException.class);
        held.close();
        assertThatThrownBy(() -> pg.connect(user, password)).isInstanceOf(SQLException.class);
    }

    @Test
    void renewalMovesValidUntilAndIsCappedAtMaxTtl() throws SQLException {
        JsonNode lease = create("short", "{}");
        String id = lease.path("lease_id").asText();
        String user = lease.path("data").path("username").asText();
        JsonNode renewed = http.post("/v1/dynamic/leases/" + id + "/renew", "{\"increment\":60}")
                .json();
        assertThat(renewed.path("lease_duration").asLong()).isLessThanOrEqualTo(3);
        assertThat(renewed.path("expires_at").asText())
                .isEqualTo(lease.path("max_expires_at").asText());
        assertThat(validUntil(user))
                .isEqualTo(Instant.parse(renewed.path("expires_at").asText()));
    }

    @Test
    void theReaperDropsTheRoleAtExpiryAndTerminatesSessions() throws SQLException {
        JsonNode lease = create("short", "{}");
        String id = lease.path("lease_id").asText();
        String user = lease.path("data").path("username").asText();
        Connection held = pg.connect(user, lease.path("data").path("password").asText());
        await().atMost(Duration.ofSeconds(10)).until(() -> !roleExists(user));
        assertThat(server.expiredLeaseIds()).contains(id);
        assertThat(http.get("/v1/dynamic/leases/" + id).code()).isEqualTo("lease_not_found");
        assertThatThrownBy(() -> currentUser(held)).isInstanceOf(SQLException.class);
        held.close();
    }

    @Test
    void grantsFromTheRoleTemplate() throws SQLException {
        JsonNode lease = create("reader", null);
        try (Connection c = pg.connect(
                        lease.path("data").path("username").asText(),
                        lease.path("data").path("password").asText());
                ResultSet rs = c.createStatement().executeQuery("SELECT count(*) FROM orders")) {
            rs.next();
            assertThat(rs.getInt(1)).isEqualTo(2);
        }
        JsonNode app = create("app", null);
        try (Connection c = pg.connect(
                app.path("data").path("username").asText(),
                app.path("data").path("password").asText())) {
            assertThatThrownBy(() -> c.createStatement().executeQuery("SELECT count(*) FROM orders"))
                    .isInstanceOf(SQLException.class);
        }
    }

    @Test
    void outOfBandRevocationAndCloseDropEveryRole() throws SQLException {
        JsonNode a = create("app", null);
        JsonNode b = create("app", null);
        server.revokeLease(a.path("lease_id").asText());
        assertThat(roleExists(a.path("data").path("username").asText())).isFalse();
        server.expireLease(b.path("lease_id").asText());
        assertThat(roleExists(b.path("data").path("username").asText())).isFalse();
        JsonNode c = create("app", null);
        JsonNode d = create("reader", null);
        server.close();
        assertThat(roleExists(c.path("data").path("username").asText())).isFalse();
        assertThat(roleExists(d.path("data").path("username").asText())).isFalse();
        assertThat(server.revokedLeaseIds())
                .contains(
                        a.path("lease_id").asText(),
                        c.path("lease_id").asText(),
                        d.path("lease_id").asText());
    }

    @Test
    void aRoleThatOwnsObjectsIsStillDropped() throws SQLException {
        try (Connection admin = pg.admin();
                Statement st = admin.createStatement()) {
            st.execute("CREATE SCHEMA IF NOT EXISTS scratch");
        }
        RoleConfig creator = RoleConfig.builder()
                .grants(
                        "GRANT CONNECT ON DATABASE \"{{database}}\" TO \"{{name}}\"",
                        "GRANT USAGE, CREATE ON SCHEMA scratch TO \"{{name}}\"")
                .build();
        try (ScaiVaultDevServer s = ScaiVaultDevServer.builder()
                .staticToken("t", "idn")
                .postgresEngine("pg", pg.adminDataSource(), pg.jdbcUrl())
                .postgresRole("pg", "creator", creator)
                .start()) {
            JsonNode lease = new Http(s)
                    .token("t")
                    .post("/v1/dynamic/engines/pg/creds/creator", "{}")
                    .json();
            String user = lease.path("data").path("username").asText();
            try (Connection c =
                            pg.connect(user, lease.path("data").path("password").asText());
                    Statement st = c.createStatement()) {
                st.execute("CREATE TABLE scratch.t_" + user + " (x int)");
            }
            s.revokeLease(lease.path("lease_id").asText());
            assertThat(roleExists(user)).isFalse();
        }
    }
}
