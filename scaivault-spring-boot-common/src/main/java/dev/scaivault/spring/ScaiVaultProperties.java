package dev.scaivault.spring;

import dev.scaivault.file.FileFormat;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The {@code scaivault.*} settings. Unset client settings fall back to the official environment variables
 * ({@code SCAIVAULT_URL}, {@code SCAIVAULT_TOKEN}, {@code SCAIKEY_CLIENT_ID}/{@code SCAIKEY_CLIENT_SECRET},
 * {@code SCAIVAULT_TOKEN_FILE}, {@code SCAIVAULT_TENANT_ID}, {@code SCAIVAULT_CA_BUNDLE}). {@link #toString()}
 * never shows the token or the client secret.
 */
@ConfigurationProperties("scaivault")
public class ScaiVaultProperties {
    /** Whether the starter configures anything at all. */
    private boolean enabled = true;

    /**
     * ScaiVault base URL, for example https://scaivault.example.com. Without it (or SCAIVAULT_URL) no ScaiVault
     * client is created; file credential sources work without one.
     */
    private String url;

    /** A static bearer token. Never shown by toString, logs or the actuator endpoints. */
    private String token;

    /** Tenant to act for (X-Tenant-ID header); partner admins only. */
    private String tenant;

    /** A PEM file with the CA certificates to trust for ScaiVault, instead of the JDK's trust store. */
    private String caBundle;

    /** How long opening a connection to ScaiVault may take. */
    private Duration connectTimeout = Duration.ofSeconds(5);

    /** How long ScaiVault may take to answer one request. */
    private Duration readTimeout = Duration.ofSeconds(15);

    /** The most one call to ScaiVault may take, all retries and waits included. */
    private Duration callBudget = Duration.ofSeconds(30);

    private final Kubernetes kubernetes = new Kubernetes();
    private final ClientCredentials clientCredentials = new ClientCredentials();
    private final Cache cache = new Cache();
    private final Datasource datasource = new Datasource();
    private final Sighup sighup = new Sighup();

    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public String getUrl() {
        return url;
    }

    public void setUrl(String url) {
        this.url = url;
    }

    public String getToken() {
        return token;
    }

    public void setToken(String token) {
        this.token = token;
    }

    public String getTenant() {
        return tenant;
    }

    public void setTenant(String tenant) {
        this.tenant = tenant;
    }

    public String getCaBundle() {
        return caBundle;
    }

    public void setCaBundle(String caBundle) {
        this.caBundle = caBundle;
    }

    public Duration getConnectTimeout() {
        return connectTimeout;
    }

    public void setConnectTimeout(Duration connectTimeout) {
        this.connectTimeout = connectTimeout;
    }

    public Duration getReadTimeout() {
        return readTimeout;
    }

    public void setReadTimeout(Duration readTimeout) {
        this.readTimeout = readTimeout;
    }

    public Duration getCallBudget() {
        return callBudget;
    }

    public void setCallBudget(Duration callBudget) {
        this.callBudget = callBudget;
    }

    public Kubernetes getKubernetes() {
        return kubernetes;
    }

    public ClientCredentials getClientCredentials() {
        return clientCredentials;
    }

    public Cache getCache() {
        return cache;
    }

    public Datasource getDatasource() {
        return datasource;
    }

    public Sighup getSighup() {
        return sighup;
    }

    @Override
    public String toString() {
        return "ScaiVaultProperties{enabled=" + enabled + ", url=" + url + ", token=" + redact(token) + ", tenant="
                + tenant + ", caBundle=" + caBundle + ", connectTimeout=" + connectTimeout + ", readTimeout="
                + readTimeout + ", callBudget=" + callBudget + ", kubernetes=" + kubernetes + ", clientCredentials="
                + clientCredentials + ", cache=" + cache + ", datasource=" + datasource + ", sighup=" + sighup + '}';
    }

    static String redact(String secret) {
        return secret == null ? "null" : "<redacted>";
    }

    /** Kubernetes workload identity: a projected service-account token exchanged for a ScaiVault token. */
    public static class Kubernetes {
        /**
         * Whether to authenticate with the Kubernetes workload identity; implied by setting token-file, role or
         * audience. The token file is re-read at every exchange, as kubelet rotates it.
         */
        private boolean enabled;

        /** The projected service-account token file (default /var/run/secrets/kubernetes.io/serviceaccount/token). */
        private String tokenFile;

        /** The ScaiVault role to ask for at the exchange. */
        private String role;

        /** The audience to ask for at the exchange. */
        private String audience;

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public String getTokenFile() {
            return tokenFile;
        }

        public void setTokenFile(String tokenFile) {
            this.tokenFile = tokenFile;
        }

        public String getRole() {
            return role;
        }

        public void setRole(String role) {
            this.role = role;
        }

        public String getAudience() {
            return audience;
        }

        public void setAudience(String audience) {
            this.audience = audience;
        }

        @Override
        public String toString() {
            return "Kubernetes{enabled=" + enabled + ", tokenFile=" + tokenFile + ", role=" + role + ", audience="
                    + audience + '}';
        }
    }

    /** ScaiKey client credentials (OAuth 2 client_credentials grant). */
    public static class ClientCredentials {
        /** The token endpoint (default ScaiKey's, or SCAIKEY_TOKEN_URL). */
        private String tokenUrl;

        /** The client id; setting it selects client-credentials authentication. */
        private String clientId;

        /** The client secret. Never shown by toString, logs or the actuator endpoints. */
        private String clientSecret;

        /** The scope to request. */
        private String scope;

        public String getTokenUrl() {
            return tokenUrl;
        }

        public void setTokenUrl(String tokenUrl) {
            this.tokenUrl = tokenUrl;
        }

        public String getClientId() {
            return clientId;
        }

        public void setClientId(String clientId) {
            this.clientId = clientId;
        }

        public String getClientSecret() {
            return clientSecret;
        }

        public void setClientSecret(String clientSecret) {
            this.clientSecret = clientSecret;
        }

        public String getScope() {
            return scope;
        }

        public void setScope(String scope) {
            this.scope = scope;
        }

        @Override
        public String toString() {
            return "ClientCredentials{tokenUrl=" + tokenUrl + ", clientId=" + clientId + ", clientSecret="
                    + redact(clientSecret) + ", scope=" + scope + '}';
        }
    }

    /** The client's secret cache. */
    public static class Cache {
        /** How long a cached secret is served without asking ScaiVault. */
        private Duration ttl = Duration.ofMinutes(5);

        /** How old a cached secret may get while ScaiVault is unreachable before reads fail. */
        private Duration maxStaleness = Duration.ofHours(1);

        public Duration getTtl() {
            return ttl;
        }

        public void setTtl(Duration ttl) {
            this.ttl = ttl;
        }

        public Duration getMaxStaleness() {
            return maxStaleness;
        }

        public void setMaxStaleness(Duration maxStaleness) {
            this.maxStaleness = maxStaleness;
        }

        @Override
        public String toString() {
            return "Cache{ttl=" + ttl + ", maxStaleness=" + maxStaleness + '}';
        }
    }

    /** Where the application's DataSource gets its credentials, kept live by ScaiVault. */
    public static class Datasource {
        /**
         * The credential source for the application's connection pool (HikariCP, or any pool a ScaiVault
         * adapter on the class path supports): dynamic (a database lease), file (a
         * mounted file or volume) or secret (a static ScaiVault secret that follows rotations). Unset: the
         * starter leaves DataSources alone.
         */
        private Source source;

        /**
         * Before applying new credentials to the pool, open one direct connection with them (the pool keeps
         * its current credentials meanwhile).
         */
        private boolean validateBeforeApply;

        /**
         * How long validate-before-apply retries new credentials before applying them anyway; unset for 30 s.
         */
        private Duration validationTimeout;

        /**
         * The longest the previous credentials are held for connections still using them before they are handed
         * back to the source (which may revoke them); unset for the pool's own maximum connection lifetime, or 30
         * minutes.
         */
        private Duration maxDrainTime;

        /**
         * How long a new connection that failed authentication may wait for the source to bring newer
         * credentials; 0 turns this off. Unset for 5 s. Keep it under the pool's connection timeout.
         */
        private Duration authFailureBudget;

        /**
         * Start the application even when no credentials can be had at startup (they are applied when they
         * arrive; health is DOWN meanwhile). Off: startup fails naming the source and what failed.
         */
        private boolean startWithoutCredentials;

        private final Dynamic dynamic = new Dynamic();
        private final File file = new File();
        private final Secret secret = new Secret();

        /**
         * A break-glass credential file (a Kubernetes Secret volume, say) served while ScaiVault has given no
         * credentials yet, with source=dynamic or source=secret: the application starts on it when ScaiVault
         * is unreachable at startup and moves to ScaiVault's credentials as soon as ScaiVault answers. Unset
         * (the default): startup fails closed without ScaiVault's credentials.
         */
        private final File fallback = new File();

        public Source getSource() {
            return source;
        }

        public void setSource(Source source) {
            this.source = source;
        }

        public boolean isValidateBeforeApply() {
            return validateBeforeApply;
        }

        public void setValidateBeforeApply(boolean validateBeforeApply) {
            this.validateBeforeApply = validateBeforeApply;
        }

        public Duration getValidationTimeout() {
            return validationTimeout;
        }

        public void setValidationTimeout(Duration validationTimeout) {
            this.validationTimeout = validationTimeout;
        }

        public Duration getMaxDrainTime() {
            return maxDrainTime;
        }

        public void setMaxDrainTime(Duration maxDrainTime) {
            this.maxDrainTime = maxDrainTime;
        }

        public Duration getAuthFailureBudget() {
            return authFailureBudget;
        }

        public void setAuthFailureBudget(Duration authFailureBudget) {
            this.authFailureBudget = authFailureBudget;
        }

        public boolean isStartWithoutCredentials() {
            return startWithoutCredentials;
        }

        public void setStartWithoutCredentials(boolean startWithoutCredentials) {
            this.startWithoutCredentials = startWithoutCredentials;
        }

        public Dynamic getDynamic() {
            return dynamic;
        }

        public File getFile() {
            return file;
        }

        public Secret getSecret() {
            return secret;
        }

        public File getFallback() {
            return fallback;
        }

        @Override
        public String toString() {
            return "Datasource{source=" + source + ", validateBeforeApply=" + validateBeforeApply
                    + ", validationTimeout=" + validationTimeout + ", maxDrainTime=" + maxDrainTime
                    + ", authFailureBudget=" + authFailureBudget + ", startWithoutCredentials="
                    + startWithoutCredentials + ", dynamic=" + dynamic + ", file="
                    + file + ", secret=" + secret + ", fallback=" + fallback + '}';
        }
    }

    /** The kinds of DataSource credential source. */
    public enum Source {
        /** A lease from a ScaiVault dynamic secrets engine, renewed and replaced in the background. */
        DYNAMIC,
        /** A file or a kubelet/CSI volume, watched. */
        FILE,
        /** A static ScaiVault secret, following its rotations. */
        SECRET
    }

    /** Dynamic database credentials (scaivault.datasource.source=dynamic). */
    public static class Dynamic {
        /** The dynamic secrets engine, for example postgres. */
        private String engine;

        /** The engine's role to generate credentials for. */
        private String role;

        /** The lease life to ask for; unset for the role's default TTL. */
        private Duration ttl;

        /**
         * When the remaining life falls below this fraction of a lease's duration, its successor is acquired;
         * larger values give the pool more overlap to drain the old credentials.
         */
        private double rotateThreshold = 0.2;

        public String getEngine() {
            return engine;
        }

        public void setEngine(String engine) {
            this.engine = engine;
        }

        public String getRole() {
            return role;
        }

        public void setRole(String role) {
            this.role = role;
        }

        public Duration getTtl() {
            return ttl;
        }

        public void setTtl(Duration ttl) {
            this.ttl = ttl;
        }

        public double getRotateThreshold() {
            return rotateThreshold;
        }

        public void setRotateThreshold(double rotateThreshold) {
            this.rotateThreshold = rotateThreshold;
        }

        @Override
        public String toString() {
            return "Dynamic{engine=" + engine + ", role=" + role + ", ttl=" + ttl + ", rotateThreshold="
                    + rotateThreshold + '}';
        }
    }

    /** Which keys of a file's or a secret's data hold the username and the password. */
    public abstract static class CredentialKeys {
        /** The key holding the username. */
        private String usernameKey = "username";

        /** The key holding the password. */
        private String passwordKey = "password";

        public String getUsernameKey() {
            return usernameKey;
        }

        public void setUsernameKey(String usernameKey) {
            this.usernameKey = usernameKey;
        }

        public String getPasswordKey() {
            return passwordKey;
        }

        public void setPasswordKey(String passwordKey) {
            this.passwordKey = passwordKey;
        }

        String keys() {
            return ", usernameKey=" + usernameKey + ", passwordKey=" + passwordKey;
        }
    }

    /**
     * Credentials from a file or volume: scaivault.datasource.file (source=file) or scaivault.datasource.fallback
     * (the break-glass fallback of source=dynamic or source=secret).
     */
    public static class File extends CredentialKeys {
        /** The file, kubelet/CSI volume directory or plain directory holding the credentials. */
        private String path;

        /** How the file is read: auto, json, envelope, dotenv, properties or directory. */
        private FileFormat format = FileFormat.AUTO;

        public String getPath() {
            return path;
        }

        public void setPath(String path) {
            this.path = path;
        }

        public FileFormat getFormat() {
            return format;
        }

        public void setFormat(FileFormat format) {
            this.format = format;
        }

        @Override
        public String toString() {
            return "File{path=" + path + ", format=" + format + keys() + '}';
        }
    }

    /** Credentials from a static ScaiVault secret (scaivault.datasource.source=secret). */
    public static class Secret extends CredentialKeys {
        /** The secret's path, for example environments/production/billing/database. */
        private String path;

        public String getPath() {
            return path;
        }

        public void setPath(String path) {
            this.path = path;
        }

        @Override
        public String toString() {
            return "Secret{path=" + path + keys() + '}';
        }
    }

    /** SIGHUP handling (a sidecar may send SIGHUP after writing new files; the JVM would exit). */
    public static class Sighup {
        /**
         * Whether SIGHUP re-reads every secret file at once (and no longer stops the JVM). Enabled by default
         * when scaivault.datasource.source=file.
         */
        private boolean enabled = true;

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        @Override
        public String toString() {
            return "Sighup{enabled=" + enabled + '}';
        }
    }
}
