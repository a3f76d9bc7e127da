package dev.scaivault.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SubscriptionsTest {
    ScaiVaultDevServer server;
    Http http;
    ExecutorService pool = Executors.newCachedThreadPool();

    @BeforeEach
    void start() {
        server = ScaiVaultDevServer.builder()
                .staticToken("skt_sub", "idn_sub")
                .inMemoryEngine("mem")
                .dynamicRole("mem", "app", RoleConfig.of(Duration.ofMinutes(5), Duration.ofMinutes(10)))
                .start();
        http = new Http(server).token("skt_sub");
    }

    @AfterEach
    void stop() {
        server.close();
        pool.shutdownNow();
    }

    String subscribe(String pathsJson, String eventsJson, int bufferSize) {
        Http.Resp r = http.post(
                "/v1/subscriptions",
                "{\"name\":\"t\",\"paths\":" + pathsJson + ",\"events\":" + eventsJson
                        + ",\"delivery\":{\"type\":\"polling\",\"buffer_size\":" + bufferSize + "}}");
        assertThat(r.status()).isEqualTo(201);
        return r.json().path("id").asText();
    }

    JsonNode poll(String id, String extra) {
        Http.Resp r = http.get("/v1/subscriptions/" + id + "/poll?timeout=0" + extra);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json();
    }

    static List<String> types(JsonNode poll) {
        List<String> out = new ArrayList<>();
        poll.path("events")
                .forEach(e -> out.add(
                        e.path("event_type").asText() + ' ' + e.path("path").asText()));
        return out;
    }

    @Test
    void createAnswersTheSubscription() {
        Http.Resp r = http.post("/v1/subscriptions", "{\"name\":\"n\",\"paths\":[\"apps/**\"]}");
        assertThat(r.status()).isEqualTo(201);
        JsonNode j = r.json();
        assertThat(j.path("id").asText()).startsWith("sub_");
        assertThat(j.path("name").asText()).isEqualTo("n");
        assertThat(j.path("status").asText()).isEqualTo("active");
        assertThat(j.path("identity_id").asText()).isEqualTo("idn_sub");
        assertThat(http.get("/v1/subscriptions/" + j.path("id").asText()).status())
                .isEqualTo(200);
        assertThat(http.delete("/v1/subscriptions/" + j.path("id").asText()).status())
                .isEqualTo(204);
        assertThat(http.get("/v1/subscriptions/" + j.path("id").asText()).code())
                .isEqualTo("subscription_not_found");
        assertThat(http.post("/v1/subscriptions", "{\"delivery\":{\"type\":\"webhook\"}}")
                        .code())
                .isEqualTo("invalid_config");
    }

    @Test
    void secretEventsWithTheirData() {
        String id = subscribe("[\"apps/**\"]", "[]", 1000);
        assertThat(poll(id, "").path("events")).isEmpty();
        assertThat(poll(id, "").path("has_more").asBoolean()).isFalse();
        server.putSecret("apps/a/db", Map.of("p", "1"));
        http.put("/v1/secrets/apps/a/db", "{\"data\":{\"p\":\"2\"}}");
        server.rotateSecret("apps/a/db", Map.of("p", "3"), Duration.ofHours(1));
        server.deleteSecret("apps/a/db");
        server.putSecret("other/x", Map.of("p", "1"));
        JsonNode p = poll(id, "");
        assertThat(types(p))
                .containsExactly(
                        "secret.created apps/a/db",
                        "secret.updated apps/a/db",
                        "secret.rotated apps/a/db",
                        "secret.deleted apps/a/db");
        JsonNode updated = p.path("events").get(1);
        assertThat(updated.path("event_id").asText()).startsWith("evt_");
        assertThat(updated.path("identity_id").asText()).isEqualTo("idn_sub");
        assertThat(updated.path("request_id").asText()).startsWith("req_");
        assertThat(updated.path("tenant_id").asText()).isEqualTo("tnt_dev");
        assertThat(updated.path("timestamp").asText()).isNotEmpty();
        assertThat(updated.path("data").path("old_version").asLong()).isEqualTo(1);
        assertThat(updated.path("data").path("new_version").asLong()).isEqualTo(2);
        assertThat(updated.path("data").path("is_rotation").asBoolean()).isFalse();
        JsonNode rotated = p.path("events").get(2).path("data");
        assertThat(rotated.path("old_version").asLong()).isEqualTo(2);
        assertThat(rotated.path("new_version").asLong()).isEqualTo(3);
        assertThat(rotated.path("grace_period_ends").asText()).isNotEmpty();
        assertThat(rotated.has("auto_generated")).isTrue();
        assertThat(server.events()).hasSize(5);
    }

    @Test
    void unackedEventsAreRedeliveredUntilAckedOrPassedByTheCursor() {
        String id = subscribe("[]", "[\"secret.*\"]", 1000);
        server.putSecret("a", Map.of("k", "1"));
        server.putSecret("a", Map.of("k", "2"));
        server.putSecret("a", Map.of("k", "3"));
        JsonNode all = poll(id, "");
        assertThat(all.path("events")).hasSize(3);
        String e1 = all.path("events").get(0).path("event_id").asText();
        String e2 = all.path("events").get(1).path("event_id").asText();
        // Not acknowledged: a poll without a cursor (a reconnect) gets all three again.
        assertThat(poll(id, "").path("events")).hasSize(3);
        // A cursor skips what it has passed, acknowledged or not.
        assertThat(poll(id, "&since_event_id=" + e2).path("events")).hasSize(1);
        Http.Resp ack =
                http.post("/v1/subscriptions/" + id + "/ack", "{\"event_ids\":[\"" + e1 + "\",\"" + e2 + "\"]}");
        assertThat(ack.json().path("acknowledged").asInt()).isEqualTo(2);
        JsonNode rest = poll(id, "");
        assertThat(rest.path("events")).hasSize(1);
        assertThat(rest.path("events").get(0).path("data").path("new_version").asLong())
                .isEqualTo(3);
        // A cursor that was acknowledged (and so left the buffer) still works.
        assertThat(poll(id, "&since_event_id=" + e1).path("events")).hasSize(1);
        assertThat(http.get("/v1/subscriptions/" + id + "/poll?timeout=0&since_event_id=evt_nope")
                        .code())
                .isEqualTo("invalid_cursor");
    }

    @Test
    void maxEventsAndHasMore() {
        String id = subscribe("[]", "[]", 1000);
        for (int i = 0; i < 5; i++) {
            server.putSecret("s/" + i, Map.of("k", "v"));
        }
        JsonNode p = poll(id, "&max_events=2");
        assertThat(p.path("events")).hasSize(2);
        assertThat(p.path("has_more").asBoolean()).isTrue();
        String last = p.path("events").get(1).path("event_id").asText();
        JsonNode q = poll(id, "&max_events=3&since_event_id=" + last);
        assertThat(q.path("events")).hasSize(3);
        assertThat(q.path("has_more").asBoolean()).isFalse();
    }

    @Test
    void bufferSizeDropsTheOldest() {
        String id = subscribe("[]", "[]", 2);
        server.putSecret("s/1", Map.of("k", "v"));
        server.putSecret("s/2", Map.of("k", "v"));
        server.putSecret("s/3", Map.of("k", "v"));
        assertThat(types(poll(id, ""))).containsExactly("secret.created s/2", "secret.created s/3");
    }

    @Test
    void globsOnPathsAndEventTypes() {
        String star = subscribe("[\"apps/*/db\"]", "[]", 100);
        String any = subscribe("[\"apps/**\"]", "[\"secret.updated\",\"secret.rotated\"]", 100);
        String one = subscribe("[\"x/d?\"]", "[]", 100);
        server.putSecret("apps/a/db", Map.of("k", "v"));
        server.putSecret("apps/a/db", Map.of("k", "w"));
        server.putSecret("apps/a/b/db", Map.of("k", "v"));
        server.putSecret("apps/a/b/db", Map.of("k", "w"));
        server.putSecret("x/d1", Map.of("k", "v"));
        server.putSecret("x/d12", Map.of("k", "v"));
        assertThat(types(poll(star, ""))).containsExactly("secret.created apps/a/db", "secret.updated apps/a/db");
        assertThat(types(poll(any, ""))).containsExactly("secret.updated apps/a/db", "secret.updated apps/a/b/db");
        assertThat(types(poll(one, ""))).containsExactly("secret.created x/d1");
    }

    @Test
    void duplicateDeliveryKeepsTheEventId() {
        String id = subscribe("[]", "[]", 100);
        server.putSecret("a", Map.of("k", "v"));
        JsonNode first = poll(id, "");
        String evt = first.path("events").get(0).path("event_id").asText();
        http.post("/v1/subscriptions/" + id + "/ack", "{\"event_ids\":[\"" + evt + "\"]}");
        assertThat(poll(id, "").path("events")).isEmpty();
        assertThat(server.publishDuplicateOfLastEvent()).isEqualTo(evt);
        JsonNode again = poll(id, "&since_event_id=" + evt);
        assertThat(again.path("events")).hasSize(1);
        assertThat(again.path("events").get(0).path("event_id").asText()).isEqualTo(evt);
    }

    @Test
    void leaseEvents() {
        String id = subscribe("[\"dynamic/**\"]", "[\"lease.*\"]", 100);
        JsonNode lease = http.post("/v1/dynamic/engines/mem/creds/app", "{}").json();
        String leaseId = lease.path("lease_id").asText();
        http.post("/v1/dynamic/leases/" + leaseId + "/renew", "{\"increment\":60}");
        http.post("/v1/dynamic/leases/" + leaseId + "/revoke", null);
        String other = http.post("/v1/dynamic/engines/mem/creds/app", "{}")
                .json()
                .path("lease_id")
                .asText();
        server.expireLease(other);
        JsonNode p = poll(id, "");
        assertThat(types(p))
                .containsExactly(
                        "lease.created dynamic/mem/app",
                        "lease.renewed dynamic/mem/app",
                        "lease.revoked dynamic/mem/app",
                        "lease.created dynamic/mem/app",
                        "lease.expired dynamic/mem/app");
        assertThat(p.path("events").get(0).path("data").path("lease_id").asText())
                .isEqualTo(leaseId);
        assertThat(p.toString())
                .doesNotContain(lease.path("data").path("password").asText());
    }

    @Test
    void parameterChecks() {
        String id = subscribe("[]", "[]", 100);
        assertThat(http.get("/v1/subscriptions/" + id + "/poll?timeout=61").code())
                .isEqualTo("invalid_request");
        assertThat(http.get("/v1/subscriptions/" + id + "/poll?timeout=-1").code())
                .isEqualTo("invalid_request");
        assertThat(http.get("/v1/subscriptions/" + id + "/poll?timeout=x").code())
                .isEqualTo("invalid_request");
        assertThat(http.get("/v1/subscriptions/" + id + "/poll?timeout=0&max_events=0")
                        .code())
                .isEqualTo("invalid_request");
        assertThat(http.get("/v1/subscriptions/sub_nope/poll?timeout=0").status())
                .isEqualTo(404);
        assertThat(http.post("/v1/subscriptions/" + id + "/ack", "{}").code()).isEqualTo("invalid_request");
    }

    @Test
    void longPollWakesUpOnTheFirstMatchingEvent() throws Exception {
        String id = subscribe("[\"watched/**\"]", "[]", 100);
        CompletableFuture<JsonNode> pending = CompletableFuture.supplyAsync(
                () -> http.get("/v1/subscriptions/" + id + "/poll?timeout=60").json(), pool);
        await().atMost(Duration.ofSeconds(5))
                .until(() -> server.requests().stream().anyMatch(r -> r.path().endsWith("/poll")));
        server.putSecret("unwatched/x", Map.of("k", "v"));
        server.putSecret("watched/x", Map.of("k", "v"));
        JsonNode p = pending.get(10, TimeUnit.SECONDS);
        assertThat(types(p)).containsExactly("secret.created watched/x");
    }

    @Test
    void longPollTimesOutEmpty() throws Exception {
        String id = subscribe("[]", "[]", 100);
        long t0 = System.nanoTime();
        JsonNode p = http.get("/v1/subscriptions/" + id + "/poll?timeout=1").json();
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(990));
        assertThat(p.path("events")).isEmpty();
        assertThat(p.path("has_more").asBoolean()).isFalse();
    }

    @Test
    void longPollsDoNotStarveOtherRequests() throws Exception {
        String id = subscribe("[\"never/**\"]", "[]", 100);
        List<CompletableFuture<Http.Resp>> polls = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            Http own = new Http(server).token("skt_sub");
            polls.add(
                    CompletableFuture.supplyAsync(() -> own.get("/v1/subscriptions/" + id + "/poll?timeout=30"), pool));
        }
        await().atMost(Duration.ofSeconds(10))
                .until(() -> server.requests().stream()
                                .filter(r -> r.path().endsWith("/poll"))
                                .count()
                        == 20);
        server.putSecret("a/b", Map.of("k", "v"));
        await().atMost(Duration.ofSeconds(5))
                .until(() -> http.get("/v1/secrets/a/b").status() == 200);
        assertThat(polls).allMatch(f -> !f.isDone());
        server.close(); // wakes every long poll
        for (CompletableFuture<Http.Resp> f : polls) {
            f.handle((r, e) -> r).get(10, TimeUnit.SECONDS);
        }
    }
}
