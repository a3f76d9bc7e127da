package dev.scaivault.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.scaivault.testkit.pg.TestPostgres;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The pattern docs/testkit.md documents for an application's own schema under role churn: leased roles are
 * members of a long-lived owner role and act as it, so tables migrated under one lease are the owner's and
 * stay usable under every later lease; a read-only role gets them through default privileges.
 */
class RoleOwnershipIT {
    static final RoleConfig APP = RoleConfig.builder()
            .defaultTtl(Duration.ofMinutes(1))
            .maxTtl(Duration.ofMinutes(5))
            .owner("app_owner")
            .build();
    static final RoleConfig READER = RoleConfig.builder()
            .defaultTtl(Duration.ofMinutes(1))
            .maxTtl(Duration.ofMinutes(5))
            .setupStatements(
                    "DO $$ BEGIN CREATE ROLE app_readers NOLOGIN; "
                            + "EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$",
                    "GRANT USAGE ON SCHEMA public TO app_readers",
                    "ALTER DEFAULT PRIVILEGES FOR ROLE app_owner IN SCHEMA public GRANT SELECT ON TABLES TO app_readers")
            .creationStatements("CREATE ROLE \"{{name}}\" LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}'"
                    + " IN ROLE app_readers")
            .grants()
            .build();

    static TestPostgres pg;
    static ScaiVaultDevServer server;
    static Http http;

    @BeforeAll
    static void start() {
        pg = TestPostgres.start();
        server = server();
        http = new Http(server).token("skt_owner");
    }

    static ScaiVaultDevServer server() {
        return ScaiVaultDevServer.builder()
                .staticToken("skt_owner", "idn_owner")
                .postgresEngine("postgres", pg.adminDataSource(), pg.jdbcUrl())
                .postgresRole("postgres", "app", APP)
                .postgresRole("postgres", "reader", READER)
                .start();
    }

    @AfterAll
    static void stop() {
        server.close();
        pg.close();
    }

    record Lease(String id, String user, String password) {
        Connection connect() throws SQLException {
            return pg.connect(user, password);
        }
    }

    static Lease lease(String role) {
        Http.Resp r = http.post("/v1/dynamic/engines/postgres/creds/" + role, "{}");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        JsonNode j = r.json();
        return new Lease(
                j.path("lease_id").asText(),
                j.path("data").path("username").asText(),
                j.path("data").path("password").asText());
    }

    static String one(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    static String ownerOf(String table) throws SQLException {
        try (Connection c = pg.admin();
                PreparedStatement ps = c.prepareStatement("SELECT tableowner FROM pg_tables WHERE tablename = ?")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    @Test
    void aSchemaMigratedUnderOneLeaseIsTheOwnersAndWorksUnderTheNextLease() throws SQLException {
        Lease first = lease("app");
        try (Connection c = first.connect();
                Statement st = c.createStatement()) {
            assertThat(one(c, "SELECT current_user")).isEqualTo("app_owner");
            assertThat(one(c, "SELECT session_user")).isEqualTo(first.user());
            st.execute("CREATE TABLE orders (id serial PRIMARY KEY, item text NOT NULL)");
            st.execute("INSERT INTO orders (item) VALUES ('first lease')");
        }
        server.revokeLease(first.id());
        assertThat(ownerOf("orders")).isEqualTo("app_owner");

        Lease second = lease("app");
        try (Connection c = second.connect();
                Statement st = c.createStatement()) {
            st.execute("INSERT INTO orders (item) VALUES ('second lease')");
            // A later migration, under a later lease, may alter what an earlier lease created.
            st.execute("ALTER TABLE orders ADD COLUMN note text");
            assertThat(one(c, "SELECT count(*) FROM orders")).isEqualTo("2");
        }

        Lease reader = lease("reader");
        try (Connection c = reader.connect();
                Statement st = c.createStatement()) {
            assertThat(one(c, "SELECT string_agg(item, ',' ORDER BY id) FROM orders"))
                    .isEqualTo("first lease,second lease");
            assertThatThrownBy(() -> st.execute("INSERT INTO orders (item) VALUES ('reader')"))
                    .hasMessageContaining("permission denied");
        }
    }

    @Test
    void whatALeasedRoleCreatesAsItselfGoesToTheOwnerNotTheAdminAtRevocation() throws SQLException {
        Lease lease = lease("app");
        try (Connection c = lease.connect();
                Statement st = c.createStatement()) {
            // RESET ROLE would go back to the owner (the per-role setting is the reset value); NONE does not.
            st.execute("SET ROLE NONE");
            st.execute("CREATE TABLE made_as_the_lease (x int)");
        }
        assertThat(ownerOf("made_as_the_lease")).isEqualTo(lease.user());
        server.revokeLease(lease.id());
        assertThat(ownerOf("made_as_the_lease")).isEqualTo("app_owner");
    }

    @Test
    void aSecondServerOnTheSameDatabaseReusesTheOwner() {
        try (ScaiVaultDevServer again = server()) {
            assertThat(again.leases()).isEmpty();
        }
    }

    @Test
    void aSetupStatementThatFailsStopsTheServerWithTheDatabasesReason() {
        RoleConfig broken = RoleConfig.builder()
                .owner("app_owner")
                .setupStatements("GRANT USAGE ON SCHEMA no_such_schema TO \"{{owner}}\"")
                .build();
        assertThatThrownBy(() -> ScaiVaultDevServer.builder()
                        .postgresEngine("postgres", pg.adminDataSource(), pg.jdbcUrl())
                        .postgresRole("postgres", "broken", broken)
                        .start())
                .hasMessageContaining("cannot run the setup statements")
                .hasMessageContaining("3F000")
                .hasMessageContaining("no_such_schema");
    }

    @Test
    void anOwnerPlaceholderWithoutAnOwnerIsRefused() {
        assertThatThrownBy(() -> RoleConfig.builder()
                        .creationStatements("CREATE ROLE \"{{name}}\" IN ROLE \"{{owner}}\"")
                        .build())
                .hasMessageContaining("{{owner}}");
    }
}
