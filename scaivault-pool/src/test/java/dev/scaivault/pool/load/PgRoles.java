package dev.scaivault.pool.load;

import dev.scaivault.testkit.pg.TestPostgres;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import org.postgresql.ds.PGSimpleDataSource;

/** Test helpers around {@link TestPostgres} every adapter's rotation tests need: roles, passwords, a driver data source. */
public class PgRoles {
    private final TestPostgres pg;

    public PgRoles(TestPostgres pg) {
        this.pg = pg;
    }

    public TestPostgres server() {
        return pg;
    }

    public static String newPassword() {
        return "pw-" + UUID.randomUUID();
    }

    public void sql(String statement) throws SQLException {
        try (Connection c = pg.admin();
                Statement st = c.createStatement()) {
            st.execute(statement);
        }
    }

    public void createRole(String role, String password) throws SQLException {
        sql("CREATE ROLE " + role + " LOGIN PASSWORD '" + password + "'");
    }

    public void alterPassword(String role, String password) throws SQLException {
        sql("ALTER ROLE " + role + " PASSWORD '" + password + "'");
    }

    /** What a lease revocation does: end the role's sessions, then drop it. */
    public void terminateAndDrop(String role) throws SQLException {
        sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '" + role + "'");
        sql("DROP ROLE " + role);
    }

    /** The driver's own data source, no credentials set: what a pool or a CredentialDataSource wraps. */
    public PGSimpleDataSource simpleDataSource() {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setServerNames(new String[] {"127.0.0.1"});
        ds.setPortNumbers(new int[] {pg.port()});
        ds.setDatabaseName("postgres");
        return ds;
    }
}
