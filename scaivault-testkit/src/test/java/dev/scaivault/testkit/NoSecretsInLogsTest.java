package dev.scaivault.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.read.ListAppender;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Runs every kind of request with secret values in it and proves none reaches a log line at any level. */
class NoSecretsInLogsTest {
    static final String STATIC = "skt_static_SECRET_aaaa";
    static final String CLIENT_SECRET = "client_SECRET_bbbb";
    static final String VALUE = "value_SECRET_cccc";
    static final String WRITTEN = "written_SECRET_dddd";

    ListAppender<ILoggingEvent> appender = new ListAppender<>();
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    Level before;

    @BeforeEach
    void capture() {
        before = root.getLevel();
        root.setLevel(Level.TRACE);
        ((Logger) LoggerFactory.getLogger("dev.scaivault")).setLevel(Level.TRACE);
        appender.start();
        root.addAppender(appender);
    }

    @AfterEach
    void release() {
        root.detachAppender(appender);
        root.setLevel(before);
        ((Logger) LoggerFactory.getLogger("dev.scaivault")).setLevel(Level.DEBUG);
    }

    @Test
    void noSecretValueIsLogged() throws Exception {
        List<String> secrets = new ArrayList<>(List.of(STATIC, CLIENT_SECRET, VALUE, WRITTEN));
        try (ScaiVaultDevServer server = ScaiVaultDevServer.builder()
                .staticToken(STATIC, "idn_app")
                .clientCredentials("cid", CLIENT_SECRET)
                .inMemoryEngine("mem")
                .dynamicRole("mem", "app", RoleConfig.of(Duration.ofMinutes(5), Duration.ofMinutes(10)))
                .start()) {
            server.putSecret("a/b", Map.of("password", VALUE));
            Http h = new Http(server).token(STATIC);
            h.get("/v1/secrets/a/b");
            h.put("/v1/secrets/a/b", "{\"data\":{\"password\":\"" + WRITTEN + "\"}}");
            h.put("/v1/secrets/a//b", "{\"data\":{\"password\":\"" + WRITTEN + "\"}}");
            h.put("/v1/secrets/a/b", "{\"data\":\"" + WRITTEN + "\"");
            h.post("/v1/secrets/batch", "{\"paths\":[\"a/b\",\"x/y\"]}");
            String subject = server.mintSubjectToken("sa:x", Duration.ofMinutes(5));
            secrets.add(subject);
            Http.Resp ex = h.post("/v1/auth/exchange", "{\"subject_token\":\"" + subject + "\"}");
            String issued = ex.json().path("access_token").asText();
            secrets.add(issued);
            h.post("/v1/auth/exchange", "{\"subject_token\":\"" + subject + "x\"}");
            String basic =
                    Base64.getEncoder().encodeToString(("cid:" + CLIENT_SECRET).getBytes(StandardCharsets.UTF_8));
            Http.Resp cc = h.form("/oauth/token", "grant_type=client_credentials", "Basic " + basic);
            secrets.add(cc.json().path("access_token").asText());
            h.form("/oauth/token", "grant_type=client_credentials&client_id=cid&client_secret=" + CLIENT_SECRET, null);
            new Http(server).token(issued).get("/v1/auth/whoami");
            Http.Resp lease = h.post("/v1/dynamic/engines/mem/creds/app", "{}");
            secrets.add(lease.json().path("data").path("password").asText());
            String leaseId = lease.json().path("lease_id").asText();
            h.post("/v1/dynamic/leases/" + leaseId + "/renew", "{\"increment\":60}");
            server.faults().enqueue("GET /v1/secrets/**", Fault.truncatedBody(), Fault.dropConnection());
            RawHttp.exchange(server, "GET", "/v1/secrets/a/b", STATIC, null);
            RawHttp.exchange(server, "GET", "/v1/secrets/a/b", STATIC, null);
            server.rotateSecret("a/b", Map.of("password", VALUE + "2"));
            server.revokeToken(issued);
            new Http(server).token(issued).get("/v1/auth/whoami");
            for (RecordedRequest r : server.requests()) {
                assertThat(r.toString()).doesNotContain(STATIC, VALUE, WRITTEN, CLIENT_SECRET);
            }
        }
        assertThat(appender.list).isNotEmpty();
        for (ILoggingEvent e : appender.list) {
            StringBuilder text = new StringBuilder(e.getFormattedMessage());
            for (IThrowableProxy t = e.getThrowableProxy(); t != null; t = t.getCause()) {
                text.append(' ').append(t.getMessage());
            }
            for (String s : secrets) {
                assertThat(text.toString())
                        .as("log line %s", e.getFormattedMessage())
                        .doesNotContain(s);
            }
        }
    }
}
