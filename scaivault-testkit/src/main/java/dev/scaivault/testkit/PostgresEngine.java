package dev.scaivault.testkit;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;

/**
 * Per-lease PostgreSQL roles through an admin connection. Revocation terminates the role's sessions and
 * waits until they are gone before dropping it, so a client that still holds a connection sees it die.
 */
final class PostgresEngine implements DynamicEngine {
    private static final long TERMINATE_WAIT_MS = 5_000;

    private final String engine;
    private final DataSource admin;
    private final String database;

    PostgresEngine(String engine, DataSource admin, String jdbcUrl) {
        this.engine = engine;
        this.admin = admin;
        this.database = databaseOf(jdbcUrl);
    }

    static String databaseOf(String jdbcUrl) {
        String s = jdbcUrl;
        int q = s.indexOf('?');
        if (q >= 0) {
            s = s.substring(0, q);
        }
        int slash = s.lastIndexOf('/');
        if (!s.startsWith("jdbc:postgresql:") || slash < 0 || slash == s.length() - 1 || s.endsWith("//")) {
            throw new IllegalArgumentException("not a jdbc:postgresql://host:port/database URL: "
                    + jdbcUrl.replaceAll("password=[^&]*", "password=***"));
        }
        return s.substring(slash + 1);
    }

    @Override
    public void setup(RoleConfig config) {
        if (config.setupStatements().isEmpty()) {
            return;
        }
        try (Connection c = admin.getConnection()) {
            run(c, config.setupStatements(), vars(config));
        } catch (SQLException e) {
            // Setup statements hold no password, so the database's own message may be shown: it says what is
            // missing (a privilege of the admin, an object).
            throw new IllegalStateException("engine " + engine + ": cannot run the setup statements of " + config
                    + " (SQLSTATE " + e.getSQLState() + "): " + e.getMessage());
        }
    }

    @Override
    public void create(String name, String password, Instant expiration, RoleConfig config) {
        Map<String, String> vars = vars(config);
        vars.put("name", name);
        vars.put("password", password);
        vars.put("expiration", expiration.toString());
        try (Connection c = admin.getConnection()) {
            run(c, config.creationStatements(), vars);
            run(c, config.grants(), vars);
        } catch (SQLException e) {
            throw failure("create role " + name, e);
        }
    }

    @Override
    public void extend(String name, Instant expiration, RoleConfig config) {
        Map<String, String> vars = vars(config);
        vars.put("name", name);
        vars.put("expiration", expiration.toString());
        try (Connection c = admin.getConnection()) {
            run(c, config.renewalStatements(), vars);
        } catch (SQLException e) {
            throw failure("extend role " + name, e);
        }
    }

    @Override
    public void drop(String name, RoleConfig config) {
        Map<String, String> vars = vars(config);
        vars.put("name", name);
        try (Connection c = admin.getConnection()) {
            terminate(c, name);
            run(c, config.revocationStatements(), vars);
        } catch (SQLException e) {
            throw failure("drop role " + name, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while revoking role " + name, e);
        }
    }

    private Map<String, String> vars(RoleConfig config) {
        Map<String, String> vars = new HashMap<>();
        vars.put("database", database);
        config.owner().ifPresent(o -> vars.put("owner", o));
        return vars;
    }

    private static void terminate(Connection c, String name) throws SQLException, InterruptedException {
        // Also stops new logins in the window before DROP ROLE.
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pg_roles WHERE rolname = ?")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return;
                }
            }
        }
        try (Statement st = c.createStatement()) {
            st.execute("ALTER ROLE " + quoteIdent(name) + " NOLOGIN");
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TERMINATE_WAIT_MS);
        while (true) {
            int left;
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE usename = ? AND pid <> pg_backend_pid()")) {
                ps.setString(1, name);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    left = rs.getInt(1);
                }
            }
            if (left == 0 || System.nanoTime() > deadline) {
                return;
            }
            Thread.sleep(20);
        }
    }

    private static String quoteIdent(String name) {
        return '"' + name.replace("\"", "\"\"") + '"';
    }

    private static void run(Connection c, List<String> templates, Map<String, String> vars) throws SQLException {
        try (Statement st = c.createStatement()) {
            for (String t : templates) {
                String sql = t;
                for (Map.Entry<String, String> v : vars.entrySet()) {
                    sql = sql.replace("{{" + v.getKey() + "}}", v.getValue());
                }
                st.execute(sql);
            }
        }
    }

    /** The message names the role and SQLSTATE, never the statement (it may hold the password). */
    private IllegalStateException failure(String what, SQLException e) {
        return new IllegalStateException(
                "engine " + engine + ": cannot " + what + " (SQLSTATE " + e.getSQLState() + ")", null);
    }
}
