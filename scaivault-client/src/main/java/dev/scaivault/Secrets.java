package dev.scaivault;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Reads and writes of static secrets, one HTTP call each (with the client's retry policy). For repeated
 * reads use {@link ScaiVault#cache()}.
 */
public final class Secrets {
    private final Http http;

    Secrets(Http http) {
        this.http = http;
    }

    /**
     * Checks {@code path} by ScaiVault's documented rules (1 to 10 segments, at most 512 characters, no
     * leading, trailing or double slash), so a typo fails where it was configured, not as a 400 later.
     *
     * @return {@code path}
     * @throws IllegalArgumentException naming the path and the rule it breaks
     */
    public static String checkPath(String path) {
        return Protocol.checkSecretPath(path);
    }

    /** The latest version of {@code path}. */
    public Secret read(String path) {
        Protocol.checkSecretPath(path);
        String what = "read secret " + path;
        return received(Protocol.secret(
                Protocol.parse(
                        http.execute(Http.Call.get(secretUrl(path), what)).body(), what),
                path));
    }

    /** Version {@code version} of {@code path}; older versions stay readable for the rotation grace period. */
    public Secret read(String path, long version) {
        Protocol.checkSecretPath(path);
        String what = "read secret " + path + " v" + version;
        Http.Call call = Http.Call.get(secretUrl(path), what).query(Map.of("version", Long.toString(version)));
        return received(Protocol.secret(Protocol.parse(http.execute(call).body(), what), path));
    }

    /**
     * Writes a new version of a {@code kv} secret. A write is never retried after a failure that may have
     * reached the server (a timeout, a reset after the request was sent): every write adds a version, so a
     * retry could add two. Such a failure is a {@link ScaiVaultIoException} whose {@link
     * ScaiVaultIoException#mayHaveReachedServer()} is true; read the secret to find out.
     */
    public SecretVersion write(String path, Map<String, ?> data) {
        return write(path, null, data, Map.of());
    }

    /** Writes a new version with a type ({@code kv}, {@code json}, ...) and metadata. */
    public SecretVersion write(String path, String secretType, Map<String, ?> data, Map<String, ?> metadata) {
        Protocol.checkSecretPath(path);
        Objects.requireNonNull(data, "data");
        String what = "write secret " + path;
        Http.Call call = Http.Call.put(secretUrl(path), Protocol.writeBody(data, secretType, metadata), what);
        return Protocol.written(Protocol.parse(http.execute(call).body(), what), path);
    }

    /** Reads up to 100 paths in one call; the paths that fail are reported per path, not thrown. */
    public BatchResult batch(List<String> paths) {
        if (paths.isEmpty() || paths.size() > Protocol.MAX_BATCH) {
            throw new IllegalArgumentException(
                    "a batch read takes 1 to " + Protocol.MAX_BATCH + " paths, not " + paths.size());
        }
        paths.forEach(Protocol::checkSecretPath);
        String what = "batch read of " + paths.size() + " secrets";
        // A batch read changes nothing on the server, so it is as safe to retry as a GET.
        Http.Call call = Http.Call.post(Protocol.BATCH, Protocol.batchBody(paths), true, what);
        BatchResult r = Protocol.batch(Protocol.parse(http.execute(call).body(), what), text -> http.redactor()
                .scrub(text, List.of()));
        r.secrets().values().forEach(this::received);
        return r;
    }

    /** Remembers what a secret holds, so that a server echoing it later is scrubbed from our messages. */
    private Secret received(Secret s) {
        http.redactor().rememberValues(s.data());
        return s;
    }

    private static String secretUrl(String path) {
        return "/v1/secrets/" + path;
    }
}
