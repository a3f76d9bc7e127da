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
 * Watches PostgreSQL every 5 ms from an admin session: which client sessions run on which credentials. A
 * credential generation is a user and, for a static secret whose password changes in place, the database
 * time of the password change ({@code since}): a session is on old credentials when its user is not the
 * current generation's, or when it started before the current generation's {@code since}.
 */
final class Probe implements AutoCloseable {
    private static final long PERIOD_MS = 5;

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

    /** Whether every rotation so far has been cleared. */
    boolean allCleared() {
        return rotations().stream().allMatch(r -> r.clearNanos >= 0);
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
        Set<String> disabledRoles = new HashSet<>();
        try (Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT usename, backend_start FROM pg_stat_activity"
                    + " WHERE backend_type = 'client backend' AND usename IS NOT NULL AND usename <> current_user")) {
                while (rs.next()) {
                    sessions.add(new Session(rs.getString(1), rs.getTimestamp(2)));
                }
            }
            try (ResultSet rs = st.executeQuery("SELECT rolname, rolcanlogin FROM pg_roles")) {
                while (rs.next()) {
                    if (rs.getBoolean(2)) {
                        loginRoles.add(rs.getString(1));
                    } else {
                        disabledRoles.add(rs.getString(1));
                    }
                }
            }
        }
        long now = System.nanoTime();
        List<Rotation> all = List.copyOf(rotations);
        if (all.isEmpty()) {
            return;
        }
        // Rotation i is cleared when no session runs on credentials older than it: for a dynamic lease, a user
        // of an earlier generation; for a static password, a session started before the password change.
        Set<String> olderUsers = new HashSet<>();
        for (int i = 0; i < all.size(); i++) {
            Rotation r = all.get(i);
            if (i > 0 && r.clearNanos < 0 && now >= r.atNanos) {
                int old = 0;
                for (Session s : sessions) {
                    if (r.since != null
                            ? s.user().equals(r.user) && s.start().before(r.since)
                            : olderUsers.contains(s.user())) {
                        old++;
                    }
                }
                if (old == 0) {
                    r.clearNanos = now;
                }
            }
            if (!r.user.equals(all.get(all.size() - 1).user)) {
                olderUsers.add(r.user);
            }
        }
        // Dynamic credentials: invalidated when their role can no longer log in (revocation or expiry first
        // sets NOLOGIN, then terminates the role's sessions, then drops it). Caught between NOLOGIN and the
        // drop, the sessions in this sample are the ones being cut; caught after the drop, the previous
        // sample's (at most 5 ms and one query older: an upper bound).
        Map<String, Integer> counts = new HashMap<>();
        for (Session s : sessions) {
            counts.merge(s.user(), 1, Integer::sum);
        }
        for (Rotation r : all) {
            if (r.since == null && !loginRoles.contains(r.user) && invalidatedUsers.add(r.user)) {
                dynamicInvalidations.add(
                        disabledRoles.contains(r.user)
                                ? counts.getOrDefault(r.user, 0)
                                : lastCountByUser.getOrDefault(r.user, 0));
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
