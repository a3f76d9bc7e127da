package dev.scaivault.spring;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;

/** Threads that query {@code select current_user} through a DataSource without pause, counting failures. */
final class QueryLoad implements AutoCloseable {
    final AtomicLong ok = new AtomicLong();
    final AtomicLong failed = new AtomicLong();
    final Queue<String> failures = new ConcurrentLinkedQueue<>();
    final AtomicReference<String> lastUser = new AtomicReference<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final List<Thread> threads = new ArrayList<>();

    QueryLoad(DataSource ds, int n) {
        for (int i = 0; i < n; i++) {
            Thread t = new Thread(() -> run(ds), "test-query-" + i);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
    }

    private void run(DataSource ds) {
        while (running.get()) {
            try (Connection c = ds.getConnection();
                    Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("select current_user")) {
                rs.next();
                lastUser.set(rs.getString(1));
                ok.incrementAndGet();
            } catch (SQLException e) {
                failed.incrementAndGet();
                if (failures.size() < 20) {
                    failures.add(e.getSQLState() + " " + e.getMessage());
                }
            }
        }
    }

    @Override
    public void close() {
        running.set(false);
        try {
            for (Thread t : threads) {
                t.join(10_000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
