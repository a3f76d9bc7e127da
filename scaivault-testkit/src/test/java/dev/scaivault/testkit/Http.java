package dev.scaivault.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A tiny java.net.http client for the tests, talking to the dev server over real HTTP. */
final class Http {
    static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient client =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String base;
    private String token;

    Http(ScaiVaultDevServer server) {
        this.base = server.baseUrl();
    }

    Http token(String token) {
        this.token = token;
        return this;
    }

    Resp get(String path) {
        return send(builder(path).GET());
    }

    Resp delete(String path) {
        return send(builder(path).DELETE());
    }

    Resp put(String path, String json) {
        return send(builder(path).header("Content-Type", "application/json").PUT(body(json)));
    }

    Resp post(String path, String json) {
        return send(builder(path).header("Content-Type", "application/json").POST(body(json)));
    }

    Resp form(String path, String form, String basicAuth) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
                .timeout(Duration.ofSeconds(70))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(body(form));
        if (basicAuth != null) {
            b.header("Authorization", basicAuth);
        }
        return send(b);
    }

    HttpRequest.Builder builder(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(70));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return b;
    }

    private static HttpRequest.BodyPublisher body(String s) {
        return s == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(s);
    }

    Resp send(HttpRequest.Builder b) {
        try {
            return new Resp(client.send(b.build(), HttpResponse.BodyHandlers.ofString()));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static final class Resp {
        final HttpResponse<String> raw;

        Resp(HttpResponse<String> raw) {
            this.raw = raw;
        }

        int status() {
            return raw.statusCode();
        }

        String header(String name) {
            return raw.headers().firstValue(name).orElse(null);
        }

        String body() {
            return raw.body();
        }

        JsonNode json() {
            try {
                return JSON.readTree(raw.body());
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + raw.body(), e);
            }
        }

        String code() {
            return json().path("error").path("code").asText();
        }

        @Override
        public String toString() {
            return raw.statusCode() + " " + raw.body();
        }
    }
}
