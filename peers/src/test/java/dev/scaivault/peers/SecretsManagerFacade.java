package dev.scaivault.peers;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A Secrets-Manager-compatible facade for one secret: the JSON 1.1 protocol over HTTP, {@code X-Amz-Target:
 * secretsmanager.GetSecretValue} and {@code secretsmanager.DescribeSecret} (the caching client behind the JDBC
 * wrapper describes the secret first and fetches the value only when the {@code AWSCURRENT} version changed).
 * What differs from AWS: SigV4 signatures are not checked, only the {@code AWSCURRENT} stage exists (the
 * rotation Lambda's {@code AWSPENDING} step is collapsed: {@link #put} is its {@code finishSecret}), and any
 * other action is answered 400.
 */
final class SecretsManagerFacade implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer http;
    private final String name;
    private final AtomicLong requests = new AtomicLong();
    private volatile String versionId;
    private volatile String secretString;

    SecretsManagerFacade(String name, String username, String password) throws IOException {
        this.name = name;
        put(username, password);
        this.http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        http.setExecutor(Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "peers-sm-facade");
            t.setDaemon(true);
            return t;
        }));
        http.createContext("/", this::handle);
        http.start();
    }

    String endpoint() {
        return "http://127.0.0.1:" + http.getAddress().getPort();
    }

    long requests() {
        return requests.get();
    }

    /** The rotation Lambda's finishSecret: a new version becomes AWSCURRENT. */
    void put(String username, String password) throws IOException {
        secretString = JSON.writeValueAsString(Map.of("username", username, "password", password));
        versionId = UUID.randomUUID().toString();
    }

    private void handle(HttpExchange ex) throws IOException {
        requests.incrementAndGet();
        try (ex) {
            ex.getRequestBody().readAllBytes();
            String target = String.valueOf(ex.getRequestHeaders().getFirst("X-Amz-Target"));
            String arn = "arn:aws:secretsmanager:us-east-1:000000000000:secret:" + name;
            Map<String, Object> body = new LinkedHashMap<>();
            if (target.endsWith(".GetSecretValue")) {
                body.put("ARN", arn);
                body.put("Name", name);
                body.put("VersionId", versionId);
                body.put("SecretString", secretString);
                body.put("VersionStages", List.of("AWSCURRENT"));
                body.put("CreatedDate", System.currentTimeMillis() / 1000.0);
                reply(ex, 200, body);
            } else if (target.endsWith(".DescribeSecret")) {
                body.put("ARN", arn);
                body.put("Name", name);
                body.put("RotationEnabled", true);
                body.put("VersionIdsToStages", Map.of(versionId, List.of("AWSCURRENT")));
                reply(ex, 200, body);
            } else {
                body.put("__type", "InvalidRequestException");
                body.put("message", "not served by this facade");
                reply(ex, 400, body);
            }
        }
    }

    private static void reply(HttpExchange ex, int status, Object body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        ex.getResponseHeaders().set("Content-Type", "application/x-amz-json-1.1");
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
        return "SecretsManagerFacade[" + endpoint() + "]";
    }
}
