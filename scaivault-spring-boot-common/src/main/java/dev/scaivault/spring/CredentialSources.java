package dev.scaivault.spring;

import dev.scaivault.ScaiVault;
import dev.scaivault.SecretUnavailableException;
import dev.scaivault.file.FileSource;
import dev.scaivault.lease.LeaseSource;
import dev.scaivault.rotation.RotatingSecretSource;
import dev.scaivault.source.Credentials;
import dev.scaivault.source.SecretSource;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;

/** Creates the credential source {@code scaivault.datasource.source} selects, timing the first value. */
final class CredentialSources {
    private static final Logger log = LoggerFactory.getLogger(CredentialSources.class);

    private CredentialSources() {}

    static SecretSource<Credentials> create(
            ScaiVaultProperties properties, ObjectProvider<ScaiVault> vaults, ScaiVaultMonitor monitor) {
        ScaiVaultProperties.Datasource ds = properties.getDatasource();
        String what = "scaivault.datasource.source=" + ds.getSource().name().toLowerCase(Locale.ROOT);
        boolean withFallback = hasFallback(ds, what);
        long started = System.nanoTime();
        SecretSource<Credentials> source;
        try {
            source = switch (ds.getSource()) {
                case DYNAMIC -> withFallback(dynamic(ds, vault(vaults, what), monitor, what), ds);
                case FILE -> file(ds, what);
                case SECRET -> withFallback(secret(ds, vault(vaults, what), what), ds);
            };
        } catch (CredentialsUnavailableException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new CredentialsUnavailableException(
                    what + ": no credentials could be had: " + e.getMessage()
                            + (withFallback
                                    ? ""
                                    : " (scaivault.datasource.start-without-credentials=true starts without"
                                            + " them, scaivault.datasource.fallback.path on a break-glass file)"),
                    e);
        }
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        if (source.status().hasValue()) {
            monitor.firstCredentials(took);
            log.info("scaivault: first credentials from {} in {} ms", source.name(), took.toMillis());
        } else {
            log.warn(
                    "scaivault: {} started without credentials ({}); health is DOWN until they arrive",
                    source.name(),
                    what);
        }
        return source;
    }

    private static ScaiVault vault(ObjectProvider<ScaiVault> vaults, String what) {
        ScaiVault v = vaults.getIfAvailable();
        if (v == null) {
            throw new CredentialsUnavailableException(
                    what + " needs a ScaiVault client: set scaivault.url (or"
                            + " SCAIVAULT_URL) and an authentication (scaivault.token, scaivault.client-credentials.*,"
                            + " scaivault.kubernetes.*), or define a ScaiVault bean",
                    null);
        }
        return v;
    }

    private static String required(String value, String property, String what) {
        if (value == null || value.isBlank()) {
            throw new CredentialsUnavailableException(property + " is not set (needed for " + what + ")", null);
        }
        return value.strip();
    }

    /** Whether scaivault.datasource.fallback.path is set; rejects it where it cannot apply. */
    private static boolean hasFallback(ScaiVaultProperties.Datasource ds, String what) {
        if (!hasFallbackPath(ds)) {
            return false;
        }
        String path = ds.getFallback().getPath();
        if (ds.getSource() == ScaiVaultProperties.Source.FILE) {
            throw new CredentialsUnavailableException(
                    "scaivault.datasource.fallback.path=" + path + " applies to source=dynamic or source=secret,"
                            + " not to " + what,
                    null);
        }
        if (ds.isStartWithoutCredentials()) {
            throw new CredentialsUnavailableException(
                    "scaivault.datasource.fallback.path=" + path
                            + " and scaivault.datasource.start-without-credentials=true exclude each other: with a"
                            + " fallback, startup needs credentials from ScaiVault or from the fallback file",
                    null);
        }
        return true;
    }

    /**
     * Puts the fallback file behind a primary built to start without a value ({@link
     * SecretSource#withFallback}); without a fallback the primary was built to fail closed and is returned as
     * it is.
     */
    private static SecretSource<Credentials> withFallback(
            SecretSource<Credentials> primary, ScaiVaultProperties.Datasource ds) {
        if (!hasFallbackPath(ds)) {
            return primary;
        }
        ScaiVaultProperties.File f = ds.getFallback();
        SecretSource<Credentials> file;
        try {
            // Empty is fine while ScaiVault answers: the fallback is then closed at once, unused.
            file = fileSource(Path.of(f.getPath().strip()), f, true);
        } catch (RuntimeException e) {
            primary.close();
            throw new CredentialsUnavailableException(
                    "scaivault.datasource.fallback.path=" + f.getPath() + ": " + e.getMessage(), e);
        }
        try {
            return primary.withFallback(file);
        } catch (SecretUnavailableException e) {
            throw new CredentialsUnavailableException(
                    "no credentials from ScaiVault nor from the fallback (scaivault.datasource.fallback.path="
                            + f.getPath() + "): " + e.getMessage(),
                    e);
        }
    }

    private static SecretSource<Credentials> dynamic(
            ScaiVaultProperties.Datasource ds, ScaiVault vault, ScaiVaultMonitor monitor, String what) {
        ScaiVaultProperties.Dynamic d = ds.getDynamic();
        String engine = required(d.getEngine(), "scaivault.datasource.dynamic.engine", what);
        String role = required(d.getRole(), "scaivault.datasource.dynamic.role", what);
        LeaseSource.Builder b = LeaseSource.builder(vault, engine, role)
                .rotateThreshold(d.getRotateThreshold())
                .listener(monitor.leaseEvents("lease:" + engine + "/" + role));
        if (d.getTtl() != null) {
            b.ttl(d.getTtl());
        }
        if (ds.isStartWithoutCredentials() || hasFallbackPath(ds)) {
            // Empty with a fallback: withFallback still fails closed if the fallback is empty too.
            b.startWithoutValue();
        }
        return b.build();
    }

    private static boolean hasFallbackPath(ScaiVaultProperties.Datasource ds) {
        String path = ds.getFallback().getPath();
        return path != null && !path.isBlank();
    }

    private static SecretSource<Credentials> file(ScaiVaultProperties.Datasource ds, String what) {
        ScaiVaultProperties.File f = ds.getFile();
        Path path = Path.of(required(f.getPath(), "scaivault.datasource.file.path", what));
        return fileSource(path, f, ds.isStartWithoutCredentials());
    }

    private static SecretSource<Credentials> fileSource(
            Path path, ScaiVaultProperties.File f, boolean startWithoutValue) {
        FileSource.Builder b = FileSource.builder(path).format(f.getFormat());
        if (startWithoutValue) {
            b.startWithoutValue();
        }
        return b.build().map(Credentials.fromKeys(f.getUsernameKey(), f.getPasswordKey()));
    }

    private static SecretSource<Credentials> secret(ScaiVaultProperties.Datasource ds, ScaiVault vault, String what) {
        ScaiVaultProperties.Secret s = ds.getSecret();
        String path = required(s.getPath(), "scaivault.datasource.secret.path", what);
        RotatingSecretSource.Builder b = RotatingSecretSource.builder(vault, path);
        if (ds.isStartWithoutCredentials() || hasFallbackPath(ds)) {
            // Empty with a fallback: withFallback still fails closed if the fallback is empty too.
            b.startWithoutValue();
        }
        return b.build().map(Credentials.fromKeys(s.getUsernameKey(), s.getPasswordKey()));
    }
}
