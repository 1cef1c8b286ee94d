package io.tributary.broker.api;

import io.tributary.broker.network.RequestContext;
import io.tributary.broker.security.AclAuthorizer;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.message.DescribeAclsRequestData;
import org.apache.kafka.common.message.DescribeAclsResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DescribeAclsResponse;

import java.util.concurrent.CompletableFuture;

/**
 * DescribeAcls: the ACLs in force that the request's filter matches (Kafka's filter semantics: a
 * {@code MATCH} pattern type finds the literal, wildcard and prefixed patterns that apply to a
 * name, {@code ANY} every pattern type), grouped by resource pattern. Without an authorizer,
 * {@code SECURITY_DISABLED}. The DESCRIBE on CLUSTER it needs is checked by the dispatcher.
 */
public final class DescribeAclsHandler implements ApiHandler<DescribeAclsRequestData> {
    private final AclAuthorizer authorizer;

    /** @param authorizer null when no authorizer is configured */
    public DescribeAclsHandler(AclAuthorizer authorizer) {
        this.authorizer = authorizer;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext ctx, DescribeAclsRequestData r) {
        DescribeAclsResponseData response = new DescribeAclsResponseData();
        if (authorizer == null) {
            return CompletableFuture.completedFuture(response.setErrorCode(Errors.SECURITY_DISABLED.code())
                    .setErrorMessage("No authorizer is configured."));
        }
        AclBindingFilter filter = AclRequests.filter(r.resourceTypeFilter(), r.resourceNameFilter(),
                r.patternTypeFilter(), r.principalFilter(), r.hostFilter(), r.operation(), r.permissionType());
        return CompletableFuture.completedFuture(response.setErrorCode(Errors.NONE.code())
                .setResources(DescribeAclsResponse.aclsResources(authorizer.acls(filter))));
    }
}
