package dev.scaivault.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The route table answers both "which endpoint" and "which rate bucket", so the two always agree. */
class ApiRoutesTest {
    @Test
    void everyRouteHasTheRateCategoryOfItsBucket() {
        assertThat(Api.categoryOf("GET", "/v1/secrets/a/b")).isEqualTo(RateCategory.READ);
        assertThat(Api.categoryOf("PUT", "/v1/secrets/a/b")).isEqualTo(RateCategory.WRITE);
        assertThat(Api.categoryOf("DELETE", "/v1/secrets/a")).isEqualTo(RateCategory.WRITE);
        assertThat(Api.categoryOf("POST", "/v1/secrets/batch")).isEqualTo(RateCategory.BATCH);
        assertThat(Api.categoryOf("GET", "/v1/secrets/batch")).isEqualTo(RateCategory.READ);
        assertThat(Api.categoryOf("GET", "/v1/t/tnt_x/secrets/a")).isEqualTo(RateCategory.READ);
        assertThat(Api.categoryOf("POST", "/v1/dynamic/engines/pg/creds/app")).isEqualTo(RateCategory.DYNAMIC);
        assertThat(Api.categoryOf("POST", "/v1/dynamic/leases/l1/renew")).isEqualTo(RateCategory.LEASE);
        assertThat(Api.categoryOf("POST", "/v1/dynamic/leases/l1/revoke")).isEqualTo(RateCategory.LEASE);
        assertThat(Api.categoryOf("GET", "/v1/dynamic/leases/l1")).isEqualTo(RateCategory.OTHER);
        assertThat(Api.categoryOf("GET", "/v1/subscriptions/s1/poll")).isEqualTo(RateCategory.POLL);
        assertThat(Api.categoryOf("POST", "/v1/subscriptions/s1/ack")).isEqualTo(RateCategory.OTHER);
        assertThat(Api.categoryOf("GET", "/v1/auth/whoami")).isEqualTo(RateCategory.WHOAMI);
        assertThat(Api.categoryOf("POST", "/v1/auth/exchange")).isEqualTo(RateCategory.AUTH);
        assertThat(Api.categoryOf("POST", "/oauth/token")).isEqualTo(RateCategory.AUTH);
        assertThat(Api.categoryOf("POST", "/api/v1/platform/oauth/token")).isEqualTo(RateCategory.AUTH);
        assertThat(Api.categoryOf("GET", "/v1/health/")).isEqualTo(RateCategory.OTHER);
    }

    @Test
    void aWrongMethodKeepsTheBucketOfThePathAndUnknownOrMalformedPathsAreOther() {
        assertThat(Api.categoryOf("GET", "/v1/dynamic/engines/pg/creds/app")).isEqualTo(RateCategory.DYNAMIC);
        assertThat(Api.categoryOf("GET", "/v1/nope")).isEqualTo(RateCategory.OTHER);
        assertThat(Api.categoryOf("GET", "/v1/secrets/a%2Fb")).isEqualTo(RateCategory.OTHER);
        assertThat(Api.categoryOf("GET", "/v1/secrets/a%zz")).isEqualTo(RateCategory.OTHER);
    }
}
