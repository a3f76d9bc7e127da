package dev.scaivault.examples.rotationdemo;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import javax.sql.DataSource;

/**
 * The floor propagation is measured against, taken in the same JVM, against the same database, under the
 * same load and at the same time: a bare login with valid credentials through the same kind of data source
 * the pool opens its connections with ({@code getConnection(user, password)} on a {@code DriverDataSource}),
 * timed to the same point the binding's propagation ends (the login returning a connection), then {@code
 * SELECT 1} and close, so the database does the work it does for a pool connection. Every 50-150 ms, for
 * the path in force.
 */
final class Baseline implements Runnable {
    static final String ROLE = "demo_baseline";
    private static final long MIN_PAUSE_MS = 50;
    private static final long MAX_PAUSE_MS = 150;

    private final DataSource direct;
    private final String password;
    private final Supplier<PathStats> active;
    private final AtomicBoolean stop;

    Baseline(DataSource direct, String password, Supplier<PathStats> active, AtomicBoolean stop) {
        this.direct = direct;
        this.password = password;
        this.active = active;
        this.stop = stop;
    }

    @Override
    public void run() {
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        while (!stop.get()) {
            try {
                TimeUnit.MILLISECONDS.sleep(rnd.nextLong(MIN_PAUSE_MS, MAX_PAUSE_MS + 1));
            } catch (InterruptedException e) {
                return;
            }
            PathStats st = active.get();
            long t0 = System.nanoTime();
            try (Connection c = direct.getConnection(ROLE, password)) {
                long login = System.nanoTime() - t0;
                try (Statement s = c.createStatement();
                        ResultSet rs = s.executeQuery("SELECT 1")) {
                    rs.next();
                }
                st.connect.add(TimeUnit.NANOSECONDS.toMicros(login));
            } catch (SQLException e) {
                st.connectFailures.incrementAndGet();
            }
        }
    }
}
