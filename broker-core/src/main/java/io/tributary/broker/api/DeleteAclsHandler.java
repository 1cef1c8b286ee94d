package io.tributary.broker.api;

import io.tributary.broker.network.RequestContext;
import io.tributary.broker.security.AclAuthorizer;
import io.tributary.broker.security.AclChanges;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.message.DeleteAclsRequestData;
import org.apache.kafka.common.message.DeleteAclsResponseData;
import org.apache.kafka.common.message.DeleteAclsResponseData.DeleteAclsFilterResult;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ApiError;
import org.apache.kafka.common.requests.DeleteAclsResponse;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * DeleteAcls: finds, for each filter, the ACLs in force it matches (Kafka's filter semantics, as
 * DescribeAcls), removes all of them in one change and answers each filter with the bindings it
 * removed. Without an authorizer every filter is {@code SECURITY_DISABLED}. The ALTER on CLUSTER it
 * needs is checked by the dispatcher.
 */
public final class DeleteAclsHandler implements ApiHandler<DeleteAclsRequestData> {
    private final AclAuthorizer authorizer;
    private final Supplier<AclChanges> changes;

    /** @param authorizer null when no authorizer is configured */
    public DeleteAclsHandler(AclAuthorizer authorizer, Supplier<AclChanges> changes) {
        this.authorizer = authorizer;
        this.changes = changes;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext ctx, DeleteAclsRequestData request) {
        List<DeleteAclsFilterResult> results = new ArrayList<>();
        List<List<AclBinding>> matched = new ArrayList<>();
        Set<AclBinding> removed = new LinkedHashSet<>();
        for (DeleteAclsRequestData.DeleteAclsFilter f : request.filters()) {
            DeleteAclsFilterResult result = new DeleteAclsFilterResult();
            results.add(result);
            List<AclBinding> matches = List.of();
            if (authorizer == null) {
                result.setErrorCode(Errors.SECURITY_DISABLED.code()).setErrorMessage("No authorizer is configured.");
            } else {
                try {
                    AclBindingFilter filter = AclRequests.filter(f.resourceTypeFilter(), f.resourceNameFilter(),
                            f.patternTypeFilter(), f.principalFilter(), f.hostFilter(), f.operation(), f.permissionType());
                    matches = authorizer.acls(filter);
                    removed.addAll(matches);
                } catch (RuntimeException e) {
                    result.setErrorCode(Errors.forException(e).code()).setErrorMessage(e.getMessage());
                }
            }
            matched.add(matches);
        }
        ApiError outcome = ApiError.NONE;
        if (!removed.isEmpty()) {
            try {
                changes.get().remove(removed);
            } catch (RuntimeException e) {
                outcome = ApiError.fromThrowable(e);
            }
        }
        for (int i = 0; i < results.size(); i++) {
            DeleteAclsFilterResult result = results.get(i);
            if (outcome != ApiError.NONE && !matched.get(i).isEmpty()) {
                result.setErrorCode(outcome.error().code()).setErrorMessage(outcome.message());
                continue;
            }
            for (AclBinding b : matched.get(i)) result.matchingAcls().add(DeleteAclsResponse.matchingAcl(b, ApiError.NONE));
        }
        return CompletableFuture.completedFuture(new DeleteAclsResponseData().setFilterResults(results));
    }
}
