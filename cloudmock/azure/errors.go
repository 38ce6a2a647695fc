package azure

import (
	"errors"
	"net/http"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// fromModel maps a model error to ARM's code and status where the caller
// has not mapped it to a more specific one.
// Azure: https://learn.microsoft.com/en-us/azure/azure-resource-manager/troubleshooting/common-deployment-errors — ARM's common error codes
func fromModel(err error) *armError {
	var me *model.Error
	if !errors.As(err, &me) {
		return fail(http.StatusInternalServerError, "InternalServerError", "%s", err.Error())
	}
	switch me.Code {
	case model.CodeNotFound:
		return fail(http.StatusNotFound, "ResourceNotFound", "%s", me.Msg)
	case model.CodeInvalidParameter, model.CodeInvalidRange:
		return fail(http.StatusBadRequest, "InvalidParameter", "%s", me.Msg)
	case model.CodeAlreadyExists, model.CodeDuplicate, model.CodeConflict, model.CodeAlreadyAssociated:
		return fail(http.StatusConflict, "Conflict", "%s", me.Msg)
	case model.CodeDependency, model.CodeCannotDelete, model.CodeIncorrectState, model.CodeNotAssociated:
		return fail(http.StatusBadRequest, "InUseResourceCannotBeDeleted", "%s", me.Msg)
	case model.CodeLimitExceeded, model.CodeQuotaExceeded:
		// Azure: https://learn.microsoft.com/en-us/azure/azure-resource-manager/troubleshooting/error-resource-quota — QuotaExceeded
		return fail(http.StatusBadRequest, "QuotaExceeded", "%s", me.Msg)
	}
	return fail(http.StatusInternalServerError, "InternalServerError", "%s", me.Msg)
}

// notFound is ARM's 404 for a top-level resource.
// Azure: https://learn.microsoft.com/en-us/azure/azure-resource-manager/troubleshooting/error-not-found — ResourceNotFound: the resource under resource group was not found
func notFound(typ, name, group string) error {
	return fail(http.StatusNotFound, "ResourceNotFound",
		"The Resource 'Microsoft.Network/%s/%s' under resource group '%s' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix",
		typ, clip(name), clip(group))
}

// childNotFound is Microsoft.Network's 404 for a child resource.
func childNotFound(id string) error {
	return fail(http.StatusNotFound, "NotFound", "Resource %s not found.", clip(id))
}

// codeOf is a model error's code, or "" for another error.
func codeOf(err error) model.Code { return model.CodeOf(err) }

// byName returns the group's object of kind with the name, read by get,
// or ARM's ResourceNotFound naming the resource type typ.
func byName[T any](s *Server, sub, group, name string, kind model.Kind, typ string, get func(sub, id string) (T, error)) (T, error) {
	if id, err := s.cloud.ByName(sub, group, kind, name); err == nil {
		if v, err := get(sub, id); err == nil {
			return v, nil
		}
	}
	var zero T
	return zero, notFound(typ, name, group)
}
