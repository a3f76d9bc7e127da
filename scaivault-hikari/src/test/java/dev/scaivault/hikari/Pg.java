package dev.scaivault.hikari;

import com.zaxxer.hikari.HikariDataSource;
import dev.scaivault.testkit.pg.TestPostgres;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import org.postgresql.ds.PGSimpleDataSource;

/** Test helpers around {@link TestPostgres}: roles, passwords and pools of both kinds. */
final class Pg {
    enum PoolKind {
        JDBC_URL,
        DATA_SOURCE
    }

    private final TestPostgres pg;

    Pg(TestPostgres pg) {
        this.pg = pg;
    }

    TestPostgres server() {
        return pg;
    }

    static String newPassword() {
        return "pw-" + UUID.randomUUID();
    }

    void sql(String statement) throws SQLException {
        try (Connection c = pg.admin();
                Statement st = c.createStatement()) {
            st.execute(statement);
        }
    }

    void createRole(String role, String password) throws SQLException {
        sql("CREATE ROLE " + role + " LOGIN PASSWORD '" + password + "'");
    }

    void alterPassword(String role, String password) throws SQLException {
        sql("ALTER ROLE " + role + " PASSWORD '" + password + "'");
    }

    /** What a lease revocation does: end the role's sessions, then drop it. */
    void terminateAndDrop(String role) throws SQLException {
        sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '" + role + "'");
        sql("DROP ROLE " + role);
    }

    PGSimpleDataSource simpleDataSource() {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setServerNames(new String[] {"127.0.0.1"});
        ds.setPortNumbers(new int[] {pg.port()});
        ds.setDatabaseName("postgres");
        return ds;
    }

    /** A pool configured by setters, so it starts at its first {@code getConnection()}, as Spring Boot's. */
    HikariDataSource lazyPool(PoolKind kind, String name) {
        HikariDataSource ds = new HikariDataSource();
        if (kind == PoolKind.JDBC_URL) {
            ds.setJdbcUrl(pg.jdbcUrl());
        } else {
            ds.setDataSource(simpleDataSource());
        }
        ds.setPoolName(name);
        ds.setMaximumPoolSize(5);
        ds.setConnectionTimeout(10_000);
        return ds;
    }
}
