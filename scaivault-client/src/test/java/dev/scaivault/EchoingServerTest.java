package dev.scaivault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.scaivault.lease.LeaseSource;
import dev.scaivault.source.Credentials;
import dev.scaivault.source.SecretSource;
import dev.scaivault.source.SourceStatus;
import dev.scaivault.testkit.leak.LeakCheck;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Servers, proxies and OAuth endpoints that echo the request into their error messages: the bearer token,
 * the client secret, the subject token and the secret being written must not come back out of our
 * exceptions, log lines or statuses (LeakCheck checks every log line after each test).
 */
class EchoingServerTest {
    static final String TOKEN = "skt_echo_bearer_token_4f1c2a9e";
    static final String CLIENT_SECRET = "client-secret-a0b1c2d3e4";
    static final String SUBJECT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2EifQ.c2lnbmF0dXJlLWVjaG8";
    static final String WRITTEN = "written-password-77e3b9";
    static final String RECEIVED = "received-password-0c9d8e";

    @TempDir
    Path tmp;

    HttpServer server;
    volatile Function<Request, Answer> answer;

    record Request(String method, String path, String headers, String body) {
        /** Everything the client sent, as an echoing server would quote it. */
        String echo() {
            return method + " " + path + "\n" + headers + "\n" + body;
        }
    }

    record Answer(int status, String contentType, String body, Map<String, String> headers) {
        static Answer json(int status, String body) {
            return new Answer(status, "application/json", body, Map.of());
        }
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    String start(Function<Request, Answer> answer) throws IOException {
        LeakCheck.secret(TOKEN, CLIENT_SECRET, SUBJECT, WRITTEN, RECEIVED);
        this.answer = answer;
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.start();
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private void handle(HttpExchange x) throws IOException {
        StringBuilder headers = new StringBuilder();
        x.getRequestHeaders().forEach((k, v) -> headers.append(k)
                .append(": ")
                .append(String.join(",", v))
                .append('\n'));
        String body = new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        Answer a =
                answer.apply(new Request(x.getRequestMethod(), x.getRequestURI().toString(), headers.toString(), body));
        byte[] out = a.body().getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().add("Content-Type", a.contentType());
        a.headers().forEach((k, v) -> x.getResponseHeaders().add(k, v));
        x.sendResponseHeaders(a.status(), out.length == 0 ? -1 : out.length);
        if (out.length > 0) {
            x.getResponseBody().write(out);
        }
        x.close();
    }

    static String quoted(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
    }

    static Answer echoingError(Request r) {
        return Answer.json(
                400,
                "{\"error\":{\"code\":\"invalid_request\",\"message\":" + quoted("bad request: " + r.echo())
                        + ",\"request_id\":\"req_echo\"}}");
    }

    static void assertScrubbed(String text) {
        LeakCheck.assertNoSecretIn(text);
        assertThat(text)
                .doesNotContain(TOKEN, CLIENT_SECRET, SUBJECT, WRITTEN, RECEIVED)
                .doesNotContain("\n");
    }

    @Test
    void anErrorMessageEchoingTheAuthorizationHeaderDoesNotCarryTheBearerToken() throws Exception {
        String url = start(EchoingServerTest::echoingError);
        try (ScaiVault vault =
                ScaiVault.builder().url(url).auth(Auth.token(TOKEN)).build()) {
            Throwable e = catchThrowable(() -> vault.secrets().read("app/db"));
            assertThat(e).isInstanceOf(ScaiVaultApiException.class).hasMessageContaining("[request req_echo]");
            assertThat(e.getMessage()).contains("Authorization: Bearer <");
            assertScrubbed(e.getMessage());
            LeakCheck.assertNoSecretIn(e);
        }
    }

    @Test
    void aWriteRefusedByAServerEchoingTheBodyDoesNotCarryTheSecretBeingWritten() throws Exception {
        String url = start(EchoingServerTest::echoingError);
        try (ScaiVault vault =
                ScaiVault.builder().url(url).auth(Auth.token(TOKEN)).build()) {
            Throwable e = catchThrowable(() -> vault.secrets().write("app/db", Map.of("api", WRITTEN)));
            assertThat(e).isInstanceOf(ScaiVaultApiException.class);
            assertScrubbed(e.getMessage());
        }
    }

    @Test
    void anOauthErrorDescriptionEchoingTheFormAndBasicHeaderDoesNotCarryTheClientSecret() throws Exception {
        String url = start(r -> new Answer(
                401,
                "application/json",
                "{\"error\":\"invalid_client\",\"error_description\":" + quoted("unknown client: " + r.echo()) + "}",
                Map.of()));
        for (Auth.ClientCredentials auth : new Auth.ClientCredentials[] {
            Auth.clientCredentials(url + "/oauth/token", "billing", CLIENT_SECRET),
            Auth.clientCredentials(url + "/oauth/token", "billing", CLIENT_SECRET)
                    .withFormAuth()
        }) {
            try (ScaiVault vault = ScaiVault.builder().url(url).auth(auth).build()) {
                Throwable e = catchThrowable(() -> vault.secrets().read("app/db"));
                assertThat(e).isInstanceOf(ScaiVaultException.class).hasMessageContaining("invalid_client");
                assertScrubbed(e.getMessage());
                LeakCheck.assertNoSecretIn(e);
            }
        }
    }

    @Test
    void anExchangeRefusedByAServerEchoingTheSubjectTokenDoesNotCarryIt() throws Exception {
        Path tokenFile = Files.writeString(tmp.resolve("token"), SUBJECT);
        String url = start(r -> Answer.json(
                401,
                "{\"error\":{\"code\":\"token_invalid\",\"message\":" + quoted("bad subject token in " + r.body())
                        + "}}"));
        try (ScaiVault vault =
                ScaiVault.builder().url(url).auth(Auth.kubernetes(tokenFile)).build()) {
            Throwable e = catchThrowable(() -> vault.secrets().read("app/db"));
            assertThat(e).isInstanceOf(ScaiVaultException.class).hasMessageContaining("token_invalid");
            assertScrubbed(e.getMessage());
        }
    }

    @Test
    void aValueReceivedEarlierIsScrubbedWhenALaterErrorQuotesIt() throws Exception {
        String url = start(r -> r.path().contains("first")
                ? Answer.json(
                        200, "{\"path\":\"app/first\",\"version\":1,\"data\":{\"password\":\"" + RECEIVED + "\"}}")
                : Answer.json(409, "{\"error\":{\"code\":\"version_conflict\",\"message\":\"" + RECEIVED + "\"}}"));
        try (ScaiVault vault =
                ScaiVault.builder().url(url).auth(Auth.token(TOKEN)).build()) {
            assertThat(vault.secrets().read("app/first").string("password")).isEqualTo(RECEIVED);
            Throwable e = catchThrowable(() -> vault.secrets().read("app/second"));
            assertThat(e).hasMessageContaining("version_conflict (<redacted>)");
            assertScrubbed(e.getMessage());
        }
    }

    @Test
    void aCodeARequestIdOrAContentTypeCarryingTheTokenIsNotQuoted() throws Exception {
        String url = start(r -> r.path().contains("html")
                ? new Answer(200, "text/html; echo=" + TOKEN, "<html></html>", Map.of())
                : new Answer(
                        403,
                        "application/json",
                        "{\"error\":{\"code\":\"denied " + TOKEN + "\",\"request_id\":\"" + TOKEN + " x\"}}",
                        Map.of("X-Request-ID", "req " + TOKEN)));
        try (ScaiVault vault =
                ScaiVault.builder().url(url).auth(Auth.token(TOKEN)).build()) {
            Throwable denied = catchThrowable(() -> vault.secrets().read("app/db"));
            assertThat(denied)
                    .isInstanceOf(AccessDeniedException.class)
                    .hasMessage("read secret app/db: HTTP 403 http_403");
            assertThat(((ScaiVaultApiException) denied).requestId()).isEmpty();
            Throwable html = catchThrowable(() -> vault.secrets().read("app/html"));
            assertScrubbed(html.getMessage());
        }
    }

    @Test
    void aLeaseSourcesStatusAfterEchoedErrorsHoldsNoSecret() throws Exception {
        String url = start(EchoingServerTest::echoingError);
        try (ScaiVault vault =
                        ScaiVault.builder().url(url).auth(Auth.token(TOKEN)).build();
                SecretSource<Credentials> db = LeaseSource.builder(vault, "postgres", "app")
                        .startWithoutValue()
                        .closeTimeout(Duration.ofSeconds(1))
                        .build()) {
            SourceStatus status = db.status();
            assertThat(status.lastError()).isPresent();
            assertScrubbed(status.lastError().get());
        }
    }

    @Test
    void aPasswordInTheUrlIsRefusedWithoutBeingQuoted() {
        assertThatThrownBy(() -> ScaiVault.builder()
                        .url("https://billing:" + CLIENT_SECRET + "@vault.example.com")
                        .auth(Auth.token(TOKEN))
                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("url(): 'https://<redacted>@vault.example.com' holds a user name or password")
                .message()
                .doesNotContain(CLIENT_SECRET);
        assertThatThrownBy(() -> ScaiVault.builder()
                        .environment(Map.of(
                                "SCAIVAULT_URL", "https://u:" + CLIENT_SECRET + "@[::1", "SCAIVAULT_TOKEN", TOKEN))
                        .build())
                .hasMessageStartingWith("environment variable SCAIVAULT_URL: 'https://<redacted>@[::1'")
                .message()
                .doesNotContain(CLIENT_SECRET);
        assertThatThrownBy(() ->
                        Auth.clientCredentials("https://id:" + CLIENT_SECRET + "@scaikey.example.com/t", "id", "s"))
                .hasMessageContaining("'https://<redacted>@scaikey.example.com/t' holds a user name or password")
                .message()
                .doesNotContain(CLIENT_SECRET);
    }

    private static Throwable catchThrowable(org.assertj.core.api.ThrowableAssert.ThrowingCallable c) {
        return org.assertj.core.api.Assertions.catchThrowable(c);
    }
}
