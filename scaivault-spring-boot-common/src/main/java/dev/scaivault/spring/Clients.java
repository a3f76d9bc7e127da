package dev.scaivault.spring;

import dev.scaivault.Auth;
import dev.scaivault.ScaiVault;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;

/** Builds a {@link ScaiVault} from {@code scaivault.*}, the official environment variables filling the gaps. */
final class Clients {
    static final String[] ENVIRONMENT_VARIABLES = {
        "SCAIVAULT_URL",
        "SCAIVAULT_TOKEN",
        "SCAIKEY_CLIENT_ID",
        "SCAIKEY_CLIENT_SECRET",
        "SCAIKEY_TOKEN_URL",
        "SCAIVAULT_TOKEN_FILE",
        "SCAIVAULT_TENANT_ID",
        "SCAIVAULT_CA_BUNDLE"
    };

    private Clients() {}

    static ScaiVault build(ScaiVaultProperties p, Function<String, String> env) {
        Map<String, String> vars = new HashMap<>();
        for (String name : ENVIRONMENT_VARIABLES) {
            String v = env.apply(name);
            if (v != null) {
                vars.put(name, v);
            }
        }
        ScaiVault.Builder b = ScaiVault.builder().environment(vars);
        if (notBlank(p.getUrl())) {
            b.url(p.getUrl().strip());
        }
        Auth auth = auth(p);
        if (auth != null) {
            b.auth(auth);
        }
        if (notBlank(p.getTenant())) {
            b.tenant(p.getTenant().strip());
        }
        if (notBlank(p.getCaBundle())) {
            b.caBundle(Path.of(p.getCaBundle().strip()));
        }
        b.connectTimeout(p.getConnectTimeout()).readTimeout(p.getReadTimeout()).callBudget(p.getCallBudget());
        b.cacheTtl(p.getCache().getTtl()).cacheMaxStaleness(p.getCache().getMaxStaleness());
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("scaivault.*: " + e.getMessage(), e);
        }
    }

    /** The authentication the properties select, or null to keep what the environment variables chose. */
    static Auth auth(ScaiVaultProperties p) {
        if (notBlank(p.getToken())) {
            return Auth.token(p.getToken().strip());
        }
        ScaiVaultProperties.ClientCredentials cc = p.getClientCredentials();
        if (notBlank(cc.getClientId())) {
            if (cc.getClientSecret() == null || cc.getClientSecret().isEmpty()) {
                throw new IllegalArgumentException("scaivault.client-credentials.client-id is set but"
                        + " scaivault.client-credentials.client-secret is not");
            }
            Auth.ClientCredentials a = Auth.clientCredentials(
                    notBlank(cc.getTokenUrl()) ? cc.getTokenUrl().strip() : Auth.DEFAULT_SCAIKEY_TOKEN_URL,
                    cc.getClientId().strip(),
                    cc.getClientSecret());
            return notBlank(cc.getScope()) ? a.withScope(cc.getScope().strip()) : a;
        }
        ScaiVaultProperties.Kubernetes k = p.getKubernetes();
        // Naming a role or audience only makes sense for the exchange, so it selects it as a token file does.
        if (k.isEnabled() || notBlank(k.getTokenFile()) || notBlank(k.getRole()) || notBlank(k.getAudience())) {
            Auth.Kubernetes a = notBlank(k.getTokenFile())
                    ? Auth.kubernetes(Path.of(k.getTokenFile().strip()))
                    : Auth.kubernetes();
            if (notBlank(k.getRole())) {
                a = a.withRole(k.getRole().strip());
            }
            if (notBlank(k.getAudience())) {
                a = a.withAudience(k.getAudience().strip());
            }
            return a;
        }
        return null;
    }

    static boolean notBlank(String s) {
        return s != null && !s.isBlank();
    }
}
