package dev.scaivault.peers;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.scaivault.DynamicSecrets;
import dev.scaivault.Lease;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A Vault-compatible HTTP facade over the testkit's PostgreSQL role engine, serving only what Spring Vault's
 * {@code SecretLeaseContainer} calls with plain token authentication: {@code GET database/creds/<role>},
 * {@code PUT sys/leases/renew} (and the older {@code sys/renew}) and {@code PUT sys/leases/revoke} (and {@code
 * sys/revoke}). Each call is translated to the dev server's dynamic-secrets API, so the roles, their TTLs and
 * their revocation (sessions terminated, role dropped) are the testkit's. What differs from Vault: the token
 * is checked for equality only (no policies), {@code lease_duration} is the lease's remaining time rounded
 * down to whole seconds as Vault reports it, and errors are a bare {@code {"errors":[...]}} with 400.
 */
final class VaultFacade implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer http;
    private final DynamicSecrets api;
    private final String token;
    private final String engine;
    private final AtomicLong requests = new AtomicLong();

    VaultFacade(DynamicSecrets api, String engine, String token) throws IOException {
        this.api = api;
        this.engine = engine;
        this.token = token;
        this.http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        http.setExecutor(Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "peers-vault-facade");
            t.setDaemon(true);
            return t;
        }));
        http.createContext("/v1/", this::handle);
        http.start();
    }

    String baseUrl() {
        return "http://127.0.0.1:" + http.getAddress().getPort();
    }

    long requests() {
        return requests.get();
    }

    private void handle(HttpExchange ex) throws IOException {
        requests.incrementAndGet();
        try (ex) {
            if (!token.equals(ex.getRequestHeaders().getFirst("X-Vault-Token"))) {
                reply(ex, 403, Map.of("errors", new String[] {"permission denied"}));
                return;
            }
            String path = ex.getRequestURI().getPath().substring("/v1/".length());
            String method = ex.getRequestMethod();
            try {
                if (method.equals("GET") && path.startsWith("database/creds/")) {
                    String role = path.substring("database/creds/".length());
                    Lease lease = api.generate(engine, role, null);
                    Map<String, Object> body = leaseBody(lease);
                    body.put(
                            "data",
                            Map.of(
                                    "username", lease.data().get("username"),
                                    "password", lease.data().get("password")));
                    reply(ex, 200, body);
                } else if ((method.equals("PUT") || method.equals("POST"))
                        && (path.equals("sys/leases/renew") || path.equals("sys/renew"))) {
                    Map<?, ?> in = JSON.readValue(ex.getRequestBody(), Map.class);
                    Object inc = in.get("increment");
                    Duration increment = inc == null ? null : Duration.ofSeconds(((Number) inc).longValue());
                    Lease lease = api.renew(String.valueOf(in.get("lease_id")), increment);
                    reply(ex, 200, leaseBody(lease));
                } else if ((method.equals("PUT") || method.equals("POST"))
                        && (path.equals("sys/leases/revoke") || path.equals("sys/revoke"))) {
                    Map<?, ?> in = JSON.readValue(ex.getRequestBody(), Map.class);
                    api.revoke(String.valueOf(in.get("lease_id")));
                    ex.sendResponseHeaders(204, -1);
                } else {
                    reply(ex, 404, Map.of("errors", new String[] {}));
                }
            } catch (RuntimeException e) {
                // Vault answers 400 "lease not found" / "lease expired"; Spring Vault treats 400 on renew as expiry.
                reply(ex, 400, Map.of("errors", new String[] {e.getClass().getSimpleName()}));
            }
        }
    }

    private static Map<String, Object> leaseBody(Lease lease) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("request_id", java.util.UUID.randomUUID().toString());
        body.put("lease_id", lease.id());
        body.put("renewable", lease.renewable());
        body.put("lease_duration", Math.max(0, lease.remainingAt(Instant.now()).getSeconds()));
        return body;
    }

    private static void reply(HttpExchange ex, int status, Object body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        http.stop(0);
        ((java.util.concurrent.ExecutorService) http.getExecutor()).shutdownNow();
    }

    @Override
    public String toString() {
        return "VaultFacade[" + baseUrl() + "]";
    }
}
