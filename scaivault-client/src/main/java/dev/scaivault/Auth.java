package dev.scaivault;

import dev.scaivault.Protocol.IssuedToken;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.Base64;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import okhttp3.FormBody;
import okhttp3.HttpUrl;

/**
 * How the client proves who it is. Immutable; {@link #toString()} never shows a token or client secret.
 *
 * <ul>
 *   <li>{@link #token(String)}: a static personal access token ({@code skt_...}) or any bearer JWT.
 *   <li>{@link #clientCredentials(String, String, String)}: an OAuth client-credentials grant at ScaiKey.
 *   <li>{@link #kubernetes(Path)}: Kubernetes workload identity; the pod's projected service-account token is
 *       exchanged at {@code POST /v1/auth/exchange} and the file is re-read at every exchange, because kubelet
 *       rewrites it (about every 48 minutes).
 * </ul>
 */
public abstract sealed class Auth {
    /** Where kubelet mounts the default service-account token. */
    public static final Path DEFAULT_KUBERNETES_TOKEN = Path.of("/var/run/secrets/kubernetes.io/serviceaccount/token");

    /** ScaiKey's token endpoint for the managed service; pages of the docs name others, so it is configurable. */
    public static final String DEFAULT_SCAIKEY_TOKEN_URL = "https://scaikey.scailabs.ai/oauth/token";

    private Auth() {}

    /** A static personal access token ({@code skt_...}) or any bearer JWT, sent as it is until the server refuses it. */
    public static Auth token(String token) {
        if (token == null || token.isBlank()) {
            throw new IllegalArgumentException("static token is empty");
        }
        return new StaticToken(token.strip());
    }

    /** A client-credentials grant at ScaiKey's {@code tokenUrl}; the token is fetched again before it expires. */
    public static ClientCredentials clientCredentials(String tokenUrl, String clientId, String clientSecret) {
        return new ClientCredentials(tokenUrl, clientId, clientSecret, null, true);
    }

    /** The projected service-account token at {@code tokenFile}, read again at every exchange. */
    public static Kubernetes kubernetes(Path tokenFile) {
        return new Kubernetes(tokenFile, null, null);
    }

    /** The projected service-account token at {@link #DEFAULT_KUBERNETES_TOKEN}. */
    public static Kubernetes kubernetes() {
        return kubernetes(DEFAULT_KUBERNETES_TOKEN);
    }

    abstract TokenCache.Source source(Http http, InstantSource clock);

    /**
     * A token obtained by one HTTP exchange that answers with token JSON. The issued token is remembered, so an
     * echo of it in a later error message is scrubbed.
     */
    private static TokenCache.Source exchange(
            Http http, InstantSource clock, String what, Supplier<Http.Answer> exchange) {
        return new TokenCache.Source() {
            @Override
            public IssuedToken fetch() {
                Http.Answer a = exchange.get();
                IssuedToken t =
                        Protocol.issuedToken(Protocol.parse(a.body(), what), clock.instant(), a.serverDate(), what);
                http.redactor().remember(t.value());
                return t;
            }

            @Override
            public String describe() {
                return what;
            }
        };
    }

    static final class StaticToken extends Auth {
        private final String token;

        StaticToken(String token) {
            this.token = token;
        }

        @Override
        TokenCache.Source source(Http http, InstantSource clock) {
            http.redactor().remember(token);
            return source(token, clock);
        }

        /** {@code token} as a never-renewed token source (also what the token-cache benchmark measures). */
        static TokenCache.Source source(String token, InstantSource clock) {
            return new TokenCache.Source() {
                @Override
                public IssuedToken fetch() {
                    return new IssuedToken(token, clock.instant(), null);
                }

                @Override
                public String describe() {
                    return "static token";
                }

                @Override
                public boolean renewable() {
                    return false;
                }
            };
        }

        @Override
        public String toString() {
            return "Auth.token(<redacted>)";
        }
    }

    /** A client-credentials grant at ScaiKey. HTTP Basic client authentication unless {@link #withFormAuth()}. */
    public static final class ClientCredentials extends Auth {
        private final HttpUrl tokenUrl;
        private final String clientId;
        private final String clientSecret;
        private final String scope;
        private final boolean basic;

        ClientCredentials(String tokenUrl, String clientId, String clientSecret, String scope, boolean basic) {
            Objects.requireNonNull(tokenUrl, "ScaiKey token URL");
            HttpUrl u = HttpUrl.parse(tokenUrl);
            if (u == null) {
                throw new IllegalArgumentException(
                        "ScaiKey token URL '" + Redactor.redactUrl(tokenUrl) + "' is not an http(s) URL");
            }
            if (!u.username().isEmpty() || !u.password().isEmpty()) {
                throw new IllegalArgumentException("ScaiKey token URL '" + Redactor.redactUrl(tokenUrl)
                        + "' holds a user name or password; pass the client id and secret as such, not in the URL");
            }
            if (clientId == null || clientId.isBlank()) {
                throw new IllegalArgumentException("client id is empty");
            }
            if (clientSecret == null || clientSecret.isEmpty()) {
                throw new IllegalArgumentException("client secret of client " + clientId + " is empty");
            }
            this.tokenUrl = u;
            this.clientId = clientId;
            this.clientSecret = clientSecret;
            this.scope = scope;
            this.basic = basic;
        }

        /** Space-separated scopes to ask for. */
        public ClientCredentials withScope(String scope) {
            return new ClientCredentials(tokenUrl.toString(), clientId, clientSecret, scope, basic);
        }

        /** Sends {@code client_id}/{@code client_secret} as form fields instead of HTTP Basic. */
        public ClientCredentials withFormAuth() {
            return new ClientCredentials(tokenUrl.toString(), clientId, clientSecret, scope, false);
        }

        HttpUrl tokenUrl() {
            return tokenUrl;
        }

        @Override
        TokenCache.Source source(Http http, InstantSource clock) {
            String what = "client credentials grant for " + clientId + " at " + tokenUrl.host();
            http.redactor().remember(clientSecret);
            return exchange(http, clock, what, () -> {
                FormBody.Builder form = new FormBody.Builder().add("grant_type", "client_credentials");
                if (scope != null) {
                    form.add("scope", scope);
                }
                String authorization = null;
                if (basic) {
                    authorization = "Basic "
                            + Base64.getEncoder()
                                    .encodeToString((formEncode(clientId) + ":" + formEncode(clientSecret))
                                            .getBytes(StandardCharsets.UTF_8));
                } else {
                    form.add("client_id", clientId).add("client_secret", clientSecret);
                }
                Http.Call call = new Http.Call(
                        "POST",
                        tokenUrl.encodedPath(),
                        Map.of(),
                        null,
                        form.build(),
                        true,
                        false,
                        what,
                        authorization,
                        null,
                        false);
                return http.execute(call, tokenUrl);
            });
        }

        private static String formEncode(String s) {
            return java.net.URLEncoder.encode(s, StandardCharsets.UTF_8);
        }

        @Override
        public String toString() {
            return "Auth.clientCredentials(" + tokenUrl + ", clientId=" + clientId + ", clientSecret=<redacted>"
                    + (scope != null ? ", scope=" + scope : "") + (basic ? "" : ", form") + ')';
        }
    }

    /** Kubernetes workload identity: the projected service-account token exchanged for a ScaiVault token. */
    public static final class Kubernetes extends Auth {
        /** A projected service-account token is a JWT of a few KiB; anything far larger is not one. */
        static final long MAX_TOKEN_FILE = 64 * 1024;

        private final Path tokenFile;
        private final String role;
        private final String audience;

        Kubernetes(Path tokenFile, String role, String audience) {
            this.tokenFile = Objects.requireNonNull(tokenFile, "token file");
            this.role = role;
            this.audience = audience;
        }

        /** The ScaiVault role to ask for, e.g. {@code sa:billing}. */
        public Kubernetes withRole(String role) {
            return new Kubernetes(tokenFile, role, audience);
        }

        /** The audience to ask for; the projected token must have been minted for it. */
        public Kubernetes withAudience(String audience) {
            return new Kubernetes(tokenFile, role, audience);
        }

        @Override
        TokenCache.Source source(Http http, InstantSource clock) {
            String what = "workload identity exchange with token file " + tokenFile;
            return exchange(http, clock, what, () -> {
                String jwt = readTokenFile();
                http.redactor().remember(jwt);
                return http.execute(
                        Http.Call.post(Protocol.EXCHANGE, Protocol.exchangeBody(jwt, role, audience), true, what)
                                .unauthenticated());
            });
        }

        // Read at every exchange, never cached: kubelet replaces the token long before our process ends.
        private String readTokenFile() {
            String where = "service-account token file " + tokenFile;
            try {
                String s = BoundedFiles.utf8(BoundedFiles.read(tokenFile, MAX_TOKEN_FILE, true))
                        .strip();
                if (s.isEmpty()) {
                    throw new ScaiVaultException(where + " is empty");
                }
                return s;
            } catch (NoSuchFileException e) {
                throw new ScaiVaultException(where + " does not exist");
            } catch (BoundedFiles.NotRegularFileException e) {
                // Never opened: a FIFO would block the exchange until a writer came.
                throw new ScaiVaultException(where + " cannot be read: it is " + e.kind() + ", not a regular file");
            } catch (BoundedFiles.TooLargeException e) {
                throw new ScaiVaultException(where + " cannot be read: it holds " + e.size()
                        + " bytes or more, over the limit of " + MAX_TOKEN_FILE + " for a token");
            } catch (CharacterCodingException e) {
                throw new ScaiVaultException(where + " cannot be read: it is not valid UTF-8 text");
            } catch (IOException e) {
                // The exception's message may quote the path only; its type says why (AccessDeniedException).
                throw new ScaiVaultException(
                        where + " cannot be read: " + e.getClass().getSimpleName());
            }
        }

        @Override
        public String toString() {
            return "Auth.kubernetes(" + tokenFile + (role != null ? ", role=" + role : "")
                    + (audience != null ? ", audience=" + audience : "") + ')';
        }
    }
}
