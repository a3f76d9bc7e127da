package dev.scaivault.examples.devserverapp;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.zaxxer.hikari.HikariDataSource;
import dev.scaivault.ScaiVault;
import dev.scaivault.hikari.HikariCredentialBinding;
import dev.scaivault.lease.LeaseSource;
import dev.scaivault.pool.RotationMetrics;
import dev.scaivault.source.Credentials;
import dev.scaivault.source.SecretSource;
import dev.scaivault.source.SourceStatus;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import org.flywaydb.core.Flyway;

/**
 * A small service run against the standalone dev server the way a real one is run against ScaiVault: its
 * database credentials are a dynamic lease (a new database role every few minutes, or seconds), it creates
 * its own schema with Flyway migrations at start, and it serves orders, a health endpoint and metrics over
 * HTTP. docs/testkit.md walks through running it and rehearsing an outage and a forced rotation.
 *
 * <p>Configuration, as the dev server prints it: {@code SCAIVAULT_URL}, {@code SCAIVAULT_TOKEN}, {@code
 * JDBC_URL}; optionally {@code SCAIVAULT_DB_ENGINE} / {@code SCAIVAULT_DB_ROLE} (default {@code postgres} /
 * {@code app}) and {@code PORT} (default 8080).
 */
public final class OrdersApp implements AutoCloseable {
    /** What {@code GET /health} reports. */
    public enum Health {
        /** Credentials are valid and the last renewal worked. */
        UP,
        /**
         * Credentials are still valid, but the last attempt to renew or replace them failed (ScaiVault is down
         * or refusing): the service still works; alert if it lasts, because the lease will run out.
         */
        DEGRADED,
        /** No valid credentials: requests that need the database fail. */
        DOWN
    }

    private final SecretSource<Credentials> credentials;
    private final HikariDataSource pool;
    private final HikariCredentialBinding binding;
    private final HttpServer http;
    private final ExecutorService workers = Executors.newFixedThreadPool(16, r -> {
        Thread t = new Thread(r, "orders-http");
        t.setDaemon(true);
        return t;
    });
    private final AtomicLong served = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();

    private OrdersApp(ScaiVault vault, String jdbcUrl, String engine, String role, int port) throws IOException {
        this.credentials = LeaseSource.builder(vault, engine, role).build();
        this.pool = new HikariDataSource();
        pool.setJdbcUrl(jdbcUrl);
        pool.setPoolName("orders");
        pool.setMaximumPoolSize(8);
        try {
            this.binding = HikariCredentialBinding.bind(pool, credentials);
        } catch (RuntimeException e) {
            pool.close();
            credentials.close();
            throw e;
        }
        try {
            // Migrations run as the current lease; the tables belong to the role it acts as (the owner).
            Flyway.configure().dataSource(pool).load().migrate();
            this.http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 64);
        } catch (IOException | RuntimeException e) {
            binding.close();
            pool.close();
            credentials.close();
            throw e;
        }
        http.setExecutor(workers);
        http.createContext("/orders", this::orders);
        http.createContext("/health", this::health);
        http.createContext("/metrics", this::metrics);
        http.start();
    }

    /** Starts the service on {@code port} of loopback (0: a free one); fails closed without credentials. */
    public static OrdersApp start(ScaiVault vault, String jdbcUrl, String engine, String role, int port)
            throws IOException {
        return new OrdersApp(vault, jdbcUrl, engine, role, port);
    }

    public static void main(String[] args) throws Exception {
        String jdbcUrl = System.getenv("JDBC_URL");
        if (jdbcUrl == null) {
            System.err.println("orders: set JDBC_URL (the dev server prints it)");
            System.exit(2);
        }
        ScaiVault vault = ScaiVault.fromEnvironment();
        OrdersApp app = start(
                vault,
                jdbcUrl,
                System.getenv().getOrDefault("SCAIVAULT_DB_ENGINE", "postgres"),
                System.getenv().getOrDefault("SCAIVAULT_DB_ROLE", "app"),
                Integer.parseInt(System.getenv().getOrDefault("PORT", "8080")));
        System.out.println("orders listening on http://127.0.0.1:" + app.port() + " (/orders, /health, /metrics)");
        CountDownLatch done = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            app.close();
                            vault.close();
                            done.countDown();
                        },
                        "orders-shutdown"));
        done.await();
    }

    public int port() {
        return http.getAddress().getPort();
    }

    /** UP, DEGRADED or DOWN, from the credential source's status (see {@link Health}). */
    public Health health() {
        SourceStatus s = credentials.status();
        if (!s.usableAt(Instant.now())) {
            return Health.DOWN;
        }
        return s.stale() ? Health.DEGRADED : Health.UP;
    }

    /** The credential source's status, for health details and tests. */
    public SourceStatus credentialStatus() {
        return credentials.status();
    }

    /** The pool binding's counters: rotations applied, connections still on previous credentials, ... */
    public RotationMetrics rotationMetrics() {
        return binding.metrics();
    }

    /** {@code POST /orders} adds one (body: the item); {@code GET /orders} answers the count. */
    private void orders(HttpExchange ex) throws IOException {
        try (ex) {
            String answer;
            try (Connection c = pool.getConnection()) {
                if (ex.getRequestMethod().equals("POST")) {
                    String item = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                    try (PreparedStatement ps =
                            c.prepareStatement("INSERT INTO orders (item) VALUES (?) RETURNING id, written_by")) {
                        ps.setString(1, item.isEmpty() ? "item" : item);
                        try (ResultSet rs = ps.executeQuery()) {
                            rs.next();
                            answer = "{\"id\":" + rs.getLong(1) + ",\"written_by\":\"" + rs.getString(2) + "\"}";
                        }
                    }
                } else {
                    try (PreparedStatement ps =
                                    c.prepareStatement("SELECT count(*), count(DISTINCT written_by) FROM orders");
                            ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        answer = "{\"orders\":" + rs.getLong(1) + ",\"database_users\":" + rs.getLong(2) + "}";
                    }
                }
            } catch (SQLException e) {
                failed.incrementAndGet();
                // SQLState and the exception's class only: a driver message may quote a value.
                send(ex, 500, "{\"error\":\"database\",\"sqlstate\":\"" + e.getSQLState() + "\"}");
                return;
            }
            served.incrementAndGet();
            send(ex, 200, answer);
        }
    }

    /** 200 while the service works (UP or DEGRADED), 503 when it cannot (DOWN); never a secret. */
    private void health(HttpExchange ex) throws IOException {
        try (ex) {
            Health h = health();
            SourceStatus s = credentials.status();
            RotationMetrics m = binding.metrics();
            String body = "{\"status\":\"" + h + "\",\"credentials\":{\"source\":\"" + s.name()
                    + "\",\"validUntil\":\""
                    + s.validUntil().map(Instant::toString).orElse("")
                    + "\",\"lastSuccess\":\""
                    + s.lastSuccess().map(Instant::toString).orElse("")
                    + "\",\"lastError\":" + s.lastError().map(OrdersApp::quote).orElse("null")
                    + "},\"pool\":{\"rotations\":" + m.rotations() + ",\"connectionsOnPreviousCredentials\":"
                    + m.connectionsOnPreviousCredentials() + ",\"active\":"
                    + pool.getHikariPoolMXBean().getActiveConnections() + "}}";
            send(ex, h == Health.DOWN ? 503 : 200, body);
        }
    }

    /** Prometheus text format. */
    private void metrics(HttpExchange ex) throws IOException {
        try (ex) {
            SourceStatus s = credentials.status();
            RotationMetrics m = binding.metrics();
            long validFor = s.validUntil()
                    .map(u -> Math.max(0, Duration.between(Instant.now(), u).toSeconds()))
                    .orElse(0L);
            String body = String.join(
                    "\n",
                    "orders_requests_total{outcome=\"ok\"} " + served.get(),
                    "orders_requests_total{outcome=\"failed\"} " + failed.get(),
                    "scaivault_credentials_stale " + (s.stale() ? 1 : 0),
                    "scaivault_credentials_valid_seconds " + validFor,
                    "scaivault_pool_rotations_total " + m.rotations(),
                    "scaivault_pool_connections_on_previous_credentials " + m.connectionsOnPreviousCredentials(),
                    "scaivault_pool_auth_failures_bridged_total " + m.bridgedAuthFailures(),
                    "");
            ex.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4");
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, b.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(b);
            }
        }
    }

    private static String quote(String s) {
        return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", " ") + '"';
    }

    private static void send(HttpExchange ex, int status, String json) throws IOException {
        byte[] b = json.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, b.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(b);
        }
    }

    /** Stops serving, then unbinds the pool, closes it, and revokes the leases. */
    @Override
    public void close() {
        http.stop(0);
        workers.shutdown();
        binding.close();
        pool.close();
        credentials.close();
    }

    @Override
    public String toString() {
        return "OrdersApp[port " + port() + ", " + health().name().toLowerCase(Locale.ROOT) + ']';
    }
}
