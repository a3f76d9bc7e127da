package dev.scaivault.peers;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.sql.DataSource;

/**
 * Watches PostgreSQL every 10 ms from an admin session: which client sessions run on which credentials. A
 * credential generation is a user and, for a static secret whose password changes in place, the database
 * time of the password change ({@code since}): a session is on old credentials when its user is not the
 * current generation's, or when it started before the current generation's {@code since}.
 */
final class Probe implements AutoCloseable {
    private static final long PERIOD_MS = 10;

    /** One rotation: when it happened and what the probe saw after it. */
    static final class Rotation {
        final String user;
        final Timestamp since;
        final long atNanos;
        volatile long clearNanos = -1;
        /** Sessions on the credentials this rotation invalidated or retired, see {@link Probe}. */
        volatile int oldAtInvalidation = -1;

        Rotation(String user, Timestamp since, long atNanos) {
            this.user = user;
            this.since = since;
            this.atNanos = atNanos;
        }
    }

    private final DataSource admin;
    private final List<Rotation> rotations = new CopyOnWriteArrayList<>();
    private final Map<String, Integer> lastCountByUser = new HashMap<>();
    private final Set<String> invalidatedUsers = new HashSet<>();
    private final List<Integer> dynamicInvalidations = new CopyOnWriteArrayList<>();
    private final Thread thread;
    private volatile boolean running = true;
    private volatile String lastError;

    Probe(DataSource admin) {
        this.admin = admin;
        this.thread = new Thread(this::loop, "peers-probe");
        thread.setDaemon(true);
        thread.start();
    }

    /** The first credentials (not a rotation). */
    void initial(String user, Timestamp since) {
        rotations.add(new Rotation(user, since, System.nanoTime()));
        rotations.get(0).clearNanos = rotations.get(0).atNanos;
    }

    void rotated(String user, Timestamp since) {
        rotations.add(new Rotation(user, since, System.nanoTime()));
    }

    /** Rotations after the initial credentials. */
    List<Rotation> rotations() {
        return rotations.size() <= 1 ? List.of() : List.copyOf(rotations.subList(1, rotations.size()));
    }

    List<Integer> dynamicInvalidations() {
        return List.copyOf(dynamicInvalidations);
    }

    String lastError() {
        return lastError;
    }

    private void loop() {
        try (Connection c = admin.getConnection()) {
            while (running) {
                try {
                    sample(c);
                } catch (SQLException e) {
                    lastError = "SQLSTATE " + e.getSQLState();
                }
                Thread.sleep(PERIOD_MS);
            }
        } catch (SQLException e) {
            lastError = "probe connection: SQLSTATE " + e.getSQLState();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private record Session(String user, Timestamp start) {}

    private void sample(Connection c) throws SQLException {
        List<Session> sessions = new ArrayList<>();
        Set<String> loginRoles = new HashSet<>();
        try (Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT usename, backend_start FROM pg_stat_activity"
                    + " WHERE backend_type = 'client backend' AND usename IS NOT NULL AND usename <> current_user")) {
                while (rs.next()) {
                    sessions.add(new Session(rs.getString(1), rs.getTimestamp(2)));
                }
            }
            try (ResultSet rs = st.executeQuery("SELECT rolname FROM pg_roles WHERE rolcanlogin")) {
                while (rs.next()) {
                    loginRoles.add(rs.getString(1));
                }
            }
        }
        long now = System.nanoTime();
        List<Rotation> all = List.copyOf(rotations);
        if (all.isEmpty()) {
            return;
        }
        Rotation current = all.get(all.size() - 1);
        int old = 0;
        for (Session s : sessions) {
            if (!s.user().equals(current.user)
                    || (current.since != null && s.start().before(current.since))) {
                old++;
            }
        }
        if (old == 0 && current.clearNanos < 0 && now >= current.atNanos) {
            current.clearNanos = now;
        }
        // Dynamic credentials: invalidated when their role is dropped or can no longer log in.
        Map<String, Integer> counts = new HashMap<>();
        for (Session s : sessions) {
            counts.merge(s.user(), 1, Integer::sum);
        }
        for (Rotation r : all) {
            if (r.since == null && r != current) {
                String user = r.user;
                if (!loginRoles.contains(user) && invalidatedUsers.add(user)) {
                    dynamicInvalidations.add(lastCountByUser.getOrDefault(user, 0));
                }
            }
        }
        lastCountByUser.clear();
        lastCountByUser.putAll(counts);
    }

    /**
     * Sessions started before {@code since} (static: the previous password change) right now: what a rotation
     * left behind on credentials invalidated one rotation earlier.
     */
    int sessionsStartedBefore(String user, Timestamp since) throws SQLException {
        try (Connection c = admin.getConnection();
                java.sql.PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM pg_stat_activity"
                        + " WHERE backend_type = 'client backend' AND usename = ? AND backend_start < ?")) {
            ps.setString(1, user);
            ps.setTimestamp(2, since);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(2_000);
    }
}
