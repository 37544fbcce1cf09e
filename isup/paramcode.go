package isup

// ParamCode is the ISUP parameter name code (Q.763 Table 5, T1.113 Table 5).
type ParamCode uint8

// ITU-T Q.763 parameter codes (also used by ANSI unless noted).
const (
	ParamEndOfOptional                  ParamCode = 0x00
	ParamCallReference                  ParamCode = 0x01
	ParamTransmissionMediumRequirement  ParamCode = 0x02
	ParamAccessTransport                ParamCode = 0x03
	ParamCalledPartyNumber              ParamCode = 0x04
	ParamSubsequentNumber               ParamCode = 0x05
	ParamNatureOfConnectionIndicators   ParamCode = 0x06
	ParamForwardCallIndicators          ParamCode = 0x07
	ParamOptionalForwardCallIndicators  ParamCode = 0x08
	ParamCallingPartysCategory          ParamCode = 0x09
	ParamCallingPartyNumber             ParamCode = 0x0a
	ParamRedirectingNumber              ParamCode = 0x0b
	ParamRedirectionNumber              ParamCode = 0x0c
	ParamConnectionRequest              ParamCode = 0x0d
	ParamInformationRequestIndicators   ParamCode = 0x0e
	ParamInformationIndicators          ParamCode = 0x0f
	ParamContinuityIndicators           ParamCode = 0x10
	ParamBackwardCallIndicators         ParamCode = 0x11
	ParamCauseIndicators                ParamCode = 0x12
	ParamRedirectionInformation         ParamCode = 0x13
	ParamCircuitGroupSupervisionMsgType ParamCode = 0x15
	ParamRangeAndStatus                 ParamCode = 0x16
	ParamFacilityIndicator              ParamCode = 0x18
	ParamClosedUserGroupInterlockCode   ParamCode = 0x1a
	ParamUserServiceInformation         ParamCode = 0x1d
	ParamSignallingPointCode            ParamCode = 0x1e
	ParamUserToUserInformation          ParamCode = 0x20
	ParamConnectedNumber                ParamCode = 0x21
	ParamSuspendResumeIndicators        ParamCode = 0x22
	ParamTransitNetworkSelection        ParamCode = 0x23
	ParamEventInformation               ParamCode = 0x24
	ParamCircuitAssignmentMap           ParamCode = 0x25 // ANSI
	ParamCircuitStateIndicator          ParamCode = 0x26
	ParamAutomaticCongestionLevel       ParamCode = 0x27
	ParamOriginalCalledNumber           ParamCode = 0x28
	ParamOptionalBackwardCallIndicators ParamCode = 0x29
	ParamUserToUserIndicators           ParamCode = 0x2a
	ParamOriginationISCPointCode        ParamCode = 0x2b
	ParamGenericNotificationIndicator   ParamCode = 0x2c
	ParamCallHistoryInformation         ParamCode = 0x2d
	ParamAccessDeliveryInformation      ParamCode = 0x2e
	ParamNetworkSpecificFacility        ParamCode = 0x2f
	ParamUserServiceInformationPrime    ParamCode = 0x30
	ParamPropagationDelayCounter        ParamCode = 0x31
	ParamRemoteOperations               ParamCode = 0x32
	ParamServiceActivation              ParamCode = 0x33
	ParamUserTeleserviceInformation     ParamCode = 0x34
	ParamTransmissionMediumUsed         ParamCode = 0x35
	ParamCallDiversionInformation       ParamCode = 0x36
	ParamEchoControlInformation         ParamCode = 0x37
	ParamMessageCompatibilityInfo       ParamCode = 0x38
	ParamParameterCompatibilityInfo     ParamCode = 0x39
	ParamMLPPPrecedence                 ParamCode = 0x3a
	ParamMCIDRequestIndicators          ParamCode = 0x3b
	ParamMCIDResponseIndicators         ParamCode = 0x3c
	ParamHopCounter                     ParamCode = 0x3d
	ParamTransmissionMediumReqPrime     ParamCode = 0x3e
	ParamLocationNumber                 ParamCode = 0x3f
	ParamRedirectionNumberRestriction   ParamCode = 0x40
	ParamFreephoneIndicators            ParamCode = 0x41
	ParamGenericReference               ParamCode = 0x42
	ParamCallTransferReference          ParamCode = 0x43
	ParamLoopPreventionIndicators       ParamCode = 0x44
	ParamCallTransferNumber             ParamCode = 0x45
	ParamCCSS                           ParamCode = 0x4b
	ParamForwardGVNS                    ParamCode = 0x4c
	ParamBackwardGVNS                   ParamCode = 0x4d
	ParamRedirectCapability             ParamCode = 0x4e
	ParamNetworkManagementControls      ParamCode = 0x5b
	ParamCorrelationID                  ParamCode = 0x65
	ParamSCFID                          ParamCode = 0x66
	ParamCallDiversionTreatmentInd      ParamCode = 0x6e
	ParamCalledINNumber                 ParamCode = 0x6f
	ParamCallOfferingTreatmentInd       ParamCode = 0x70
	ParamChargedPartyIdentification     ParamCode = 0x71
	ParamConferenceTreatmentInd         ParamCode = 0x72
	ParamDisplayInformation             ParamCode = 0x73
	ParamUIDActionIndicators            ParamCode = 0x74
	ParamUIDCapabilityIndicators        ParamCode = 0x75
	ParamRedirectCounter                ParamCode = 0x77
	ParamApplicationTransport           ParamCode = 0x78
	ParamCollectCallRequest             ParamCode = 0x79
	ParamCCNRPossibleIndicator          ParamCode = 0x7a
	ParamPivotCapability                ParamCode = 0x7b
	ParamPivotRoutingIndicators         ParamCode = 0x7c
	ParamCalledDirectoryNumber          ParamCode = 0x7d
	ParamOriginalCalledINNumber         ParamCode = 0x7f
	ParamCallingGeodeticLocation        ParamCode = 0x81
	ParamHTRInformation                 ParamCode = 0x82
	ParamNetworkRoutingNumber           ParamCode = 0x84
	ParamQueryOnReleaseCapability       ParamCode = 0x85
	ParamPivotStatus                    ParamCode = 0x86
	ParamPivotCounter                   ParamCode = 0x87
	ParamPivotRoutingForwardInformation ParamCode = 0x88
	ParamPivotRoutingBackwardInfo       ParamCode = 0x89
	ParamRedirectStatus                 ParamCode = 0x8a
	ParamRedirectForwardInformation     ParamCode = 0x8b
	ParamRedirectBackwardInformation    ParamCode = 0x8c
	ParamNumberPortabilityForwardInfo   ParamCode = 0x8d
	ParamGenericNumber                  ParamCode = 0xc0
	ParamGenericDigits                  ParamCode = 0xc1
)

// ANSI T1.113 parameter codes.
const (
	ParamOperatorServicesInformation   ParamCode = 0xc2
	ParamEgress                        ParamCode = 0xc3
	ParamJurisdictionInformation       ParamCode = 0xc4
	ParamCarrierIdentification         ParamCode = 0xc5
	ParamBusinessGroup                 ParamCode = 0xc6
	ParamGenericName                   ParamCode = 0xc7
	ParamNotificationIndicator         ParamCode = 0xe1
	ParamServiceActivationANSI         ParamCode = 0xe2
	ParamTransactionRequest            ParamCode = 0xe3
	ParamSpecialProcessingRequest      ParamCode = 0xe4
	ParamCircuitGroupCharacteristicInd ParamCode = 0xe5
	ParamCircuitValidationResponseInd  ParamCode = 0xe6
	ParamOutgoingTrunkGroupNumber      ParamCode = 0xe7
	ParamCircuitIdentificationName     ParamCode = 0xe8
	ParamCommonLanguageLocationID      ParamCode = 0xe9
	ParamOriginatingLineInformation    ParamCode = 0xea
	ParamChargeNumber                  ParamCode = 0xeb
	ParamServiceCodeIndicator          ParamCode = 0xec
	ParamSpecialProcessingRequestANSI  ParamCode = 0xed
	ParamCarrierSelectionInformation   ParamCode = 0xee
	ParamNetworkTransport              ParamCode = 0xef
)

type paramName struct{ name, key string }

// paramNames holds the names shared by both variants; paramNamesANSI those
// that ANSI defines differently or only ANSI defines.
var paramNames = map[ParamCode]paramName{
	ParamEndOfOptional:                  {"End of optional parameters", "end_of_optional_parameters"},
	ParamCallReference:                  {"Call reference", "call_reference"},
	ParamTransmissionMediumRequirement:  {"Transmission medium requirement", "transmission_medium_requirement"},
	ParamAccessTransport:                {"Access transport", "access_transport"},
	ParamCalledPartyNumber:              {"Called party number", "called_party_number"},
	ParamSubsequentNumber:               {"Subsequent number", "subsequent_number"},
	ParamNatureOfConnectionIndicators:   {"Nature of connection indicators", "nature_of_connection_indicators"},
	ParamForwardCallIndicators:          {"Forward call indicators", "forward_call_indicators"},
	ParamOptionalForwardCallIndicators:  {"Optional forward call indicators", "optional_forward_call_indicators"},
	ParamCallingPartysCategory:          {"Calling party's category", "calling_partys_category"},
	ParamCallingPartyNumber:             {"Calling party number", "calling_party_number"},
	ParamRedirectingNumber:              {"Redirecting number", "redirecting_number"},
	ParamRedirectionNumber:              {"Redirection number", "redirection_number"},
	ParamConnectionRequest:              {"Connection request", "connection_request"},
	ParamInformationRequestIndicators:   {"Information request indicators", "information_request_indicators"},
	ParamInformationIndicators:          {"Information indicators", "information_indicators"},
	ParamContinuityIndicators:           {"Continuity indicators", "continuity_indicators"},
	ParamBackwardCallIndicators:         {"Backward call indicators", "backward_call_indicators"},
	ParamCauseIndicators:                {"Cause indicators", "cause_indicators"},
	ParamRedirectionInformation:         {"Redirection information", "redirection_information"},
	ParamCircuitGroupSupervisionMsgType: {"Circuit group supervision message type", "circuit_group_supervision_message_type"},
	ParamRangeAndStatus:                 {"Range and status", "range_and_status"},
	ParamFacilityIndicator:              {"Facility indicator", "facility_indicator"},
	ParamClosedUserGroupInterlockCode:   {"Closed user group interlock code", "closed_user_group_interlock_code"},
	ParamUserServiceInformation:         {"User service information", "user_service_information"},
	ParamSignallingPointCode:            {"Signalling point code", "signalling_point_code"},
	ParamUserToUserInformation:          {"User-to-user information", "user_to_user_information"},
	ParamConnectedNumber:                {"Connected number", "connected_number"},
	ParamSuspendResumeIndicators:        {"Suspend/resume indicators", "suspend_resume_indicators"},
	ParamTransitNetworkSelection:        {"Transit network selection", "transit_network_selection"},
	ParamEventInformation:               {"Event information", "event_information"},
	ParamCircuitAssignmentMap:           {"Circuit assignment map", "circuit_assignment_map"},
	ParamCircuitStateIndicator:          {"Circuit state indicator", "circuit_state_indicator"},
	ParamAutomaticCongestionLevel:       {"Automatic congestion level", "automatic_congestion_level"},
	ParamOriginalCalledNumber:           {"Original called number", "original_called_number"},
	ParamOptionalBackwardCallIndicators: {"Optional backward call indicators", "optional_backward_call_indicators"},
	ParamUserToUserIndicators:           {"User-to-user indicators", "user_to_user_indicators"},
	ParamOriginationISCPointCode:        {"Origination ISC point code", "origination_isc_point_code"},
	ParamGenericNotificationIndicator:   {"Generic notification indicator", "generic_notification_indicator"},
	ParamCallHistoryInformation:         {"Call history information", "call_history_information"},
	ParamAccessDeliveryInformation:      {"Access delivery information", "access_delivery_information"},
	ParamNetworkSpecificFacility:        {"Network specific facility", "network_specific_facility"},
	ParamUserServiceInformationPrime:    {"User service information prime", "user_service_information_prime"},
	ParamPropagationDelayCounter:        {"Propagation delay counter", "propagation_delay_counter"},
	ParamRemoteOperations:               {"Remote operations", "remote_operations"},
	ParamServiceActivation:              {"Service activation", "service_activation"},
	ParamUserTeleserviceInformation:     {"User teleservice information", "user_teleservice_information"},
	ParamTransmissionMediumUsed:         {"Transmission medium used", "transmission_medium_used"},
	ParamCallDiversionInformation:       {"Call diversion information", "call_diversion_information"},
	ParamEchoControlInformation:         {"Echo control information", "echo_control_information"},
	ParamMessageCompatibilityInfo:       {"Message compatibility information", "message_compatibility_information"},
	ParamParameterCompatibilityInfo:     {"Parameter compatibility information", "parameter_compatibility_information"},
	ParamMLPPPrecedence:                 {"MLPP precedence", "mlpp_precedence"},
	ParamMCIDRequestIndicators:          {"MCID request indicators", "mcid_request_indicators"},
	ParamMCIDResponseIndicators:         {"MCID response indicators", "mcid_response_indicators"},
	ParamHopCounter:                     {"Hop counter", "hop_counter"},
	ParamTransmissionMediumReqPrime:     {"Transmission medium requirement prime", "transmission_medium_requirement_prime"},
	ParamLocationNumber:                 {"Location number", "location_number"},
	ParamRedirectionNumberRestriction:   {"Redirection number restriction", "redirection_number_restriction"},
	ParamFreephoneIndicators:            {"Freephone indicators", "freephone_indicators"},
	ParamGenericReference:               {"Generic reference", "generic_reference"},
	ParamCallTransferReference:          {"Call transfer reference", "call_transfer_reference"},
	ParamLoopPreventionIndicators:       {"Loop prevention indicators", "loop_prevention_indicators"},
	ParamCallTransferNumber:             {"Call transfer number", "call_transfer_number"},
	ParamCCSS:                           {"CCSS", "ccss"},
	ParamForwardGVNS:                    {"Forward GVNS", "forward_gvns"},
	ParamBackwardGVNS:                   {"Backward GVNS", "backward_gvns"},
	ParamRedirectCapability:             {"Redirect capability", "redirect_capability"},
	ParamNetworkManagementControls:      {"Network management controls", "network_management_controls"},
	ParamCorrelationID:                  {"Correlation id", "correlation_id"},
	ParamSCFID:                          {"SCF id", "scf_id"},
	ParamCallDiversionTreatmentInd:      {"Call diversion treatment indicators", "call_diversion_treatment_indicators"},
	ParamCalledINNumber:                 {"Called IN number", "called_in_number"},
	ParamCallOfferingTreatmentInd:       {"Call offering treatment indicators", "call_offering_treatment_indicators"},
	ParamChargedPartyIdentification:     {"Charged party identification", "charged_party_identification"},
	ParamConferenceTreatmentInd:         {"Conference treatment indicators", "conference_treatment_indicators"},
	ParamDisplayInformation:             {"Display information", "display_information"},
	ParamUIDActionIndicators:            {"UID action indicators", "uid_action_indicators"},
	ParamUIDCapabilityIndicators:        {"UID capability indicators", "uid_capability_indicators"},
	ParamRedirectCounter:                {"Redirect counter", "redirect_counter"},
	ParamApplicationTransport:           {"Application transport", "application_transport"},
	ParamCollectCallRequest:             {"Collect call request", "collect_call_request"},
	ParamCCNRPossibleIndicator:          {"CCNR possible indicator", "ccnr_possible_indicator"},
	ParamPivotCapability:                {"Pivot capability", "pivot_capability"},
	ParamPivotRoutingIndicators:         {"Pivot routing indicators", "pivot_routing_indicators"},
	ParamCalledDirectoryNumber:          {"Called directory number", "called_directory_number"},
	ParamOriginalCalledINNumber:         {"Original called IN number", "original_called_in_number"},
	ParamCallingGeodeticLocation:        {"Calling geodetic location", "calling_geodetic_location"},
	ParamHTRInformation:                 {"HTR information", "htr_information"},
	ParamNetworkRoutingNumber:           {"Network routing number", "network_routing_number"},
	ParamQueryOnReleaseCapability:       {"Query on release capability", "query_on_release_capability"},
	ParamPivotStatus:                    {"Pivot status", "pivot_status"},
	ParamPivotCounter:                   {"Pivot counter", "pivot_counter"},
	ParamPivotRoutingForwardInformation: {"Pivot routing forward information", "pivot_routing_forward_information"},
	ParamPivotRoutingBackwardInfo:       {"Pivot routing backward information", "pivot_routing_backward_information"},
	ParamRedirectStatus:                 {"Redirect status", "redirect_status"},
	ParamRedirectForwardInformation:     {"Redirect forward information", "redirect_forward_information"},
	ParamRedirectBackwardInformation:    {"Redirect backward information", "redirect_backward_information"},
	ParamNumberPortabilityForwardInfo:   {"Number portability forward information", "number_portability_forward_information"},
	ParamGenericNumber:                  {"Generic number", "generic_number"},
	ParamGenericDigits:                  {"Generic digits", "generic_digits"},
}

var paramNamesANSI = map[ParamCode]paramName{
	ParamOperatorServicesInformation:   {"Operator services information", "operator_services_information"},
	ParamEgress:                        {"Egress service", "egress_service"},
	ParamJurisdictionInformation:       {"Jurisdiction information", "jurisdiction_information"},
	ParamCarrierIdentification:         {"Carrier identification", "carrier_identification"},
	ParamBusinessGroup:                 {"Business group", "business_group"},
	ParamGenericName:                   {"Generic name", "generic_name"},
	ParamNotificationIndicator:         {"Notification indicator", "notification_indicator"},
	ParamServiceActivationANSI:         {"Service activation", "service_activation"},
	ParamTransactionRequest:            {"Transaction request", "transaction_request"},
	ParamCircuitGroupCharacteristicInd: {"Circuit group characteristic indicator", "circuit_group_characteristic_indicator"},
	ParamCircuitValidationResponseInd:  {"Circuit validation response indicator", "circuit_validation_response_indicator"},
	ParamOutgoingTrunkGroupNumber:      {"Outgoing trunk group number", "outgoing_trunk_group_number"},
	ParamCircuitIdentificationName:     {"Circuit identification name", "circuit_identification_name"},
	ParamCommonLanguageLocationID:      {"Common language location identification", "clli_code"},
	ParamOriginatingLineInformation:    {"Originating line information", "originating_line_information"},
	ParamChargeNumber:                  {"Charge number", "charge_number"},
	ParamServiceCodeIndicator:          {"Service code indicator", "service_code_indicator"},
	ParamSpecialProcessingRequestANSI:  {"Special processing request", "special_processing_request"},
	ParamCarrierSelectionInformation:   {"Carrier selection information", "carrier_selection_information"},
	ParamNetworkTransport:              {"Network transport", "network_transport"},
	ParamCircuitAssignmentMap:          {"Circuit assignment map", "circuit_assignment_map"},
	ParamGenericNumber:                 {"Generic address", "generic_address"},
}

// Name returns the parameter's name in variant v, or "Unknown parameter 0x..".
func (c ParamCode) Name(v Variant) string {
	if v == ANSI {
		if n, ok := paramNamesANSI[c]; ok {
			return n.name
		}
	}
	if n, ok := paramNames[c]; ok {
		return n.name
	}
	return "Unknown parameter " + hexByte("0x", byte(c))
}

// Key returns the snake_case name used in JSON output.
func (c ParamCode) Key(v Variant) string {
	if v == ANSI {
		if n, ok := paramNamesANSI[c]; ok {
			return n.key
		}
	}
	if n, ok := paramNames[c]; ok {
		return n.key
	}
	return "param_" + hexByte("", byte(c))
}

// Known reports whether the code is defined for variant v.
func (c ParamCode) Known(v Variant) bool {
	if v == ANSI {
		if _, ok := paramNamesANSI[c]; ok {
			return true
		}
	}
	_, ok := paramNames[c]
	return ok
}

func (c ParamCode) String() string { return c.Name(ITU) }
