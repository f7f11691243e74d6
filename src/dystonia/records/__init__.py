"""Clinic records: patients, visits, findings, scales, treatments, diaries and the audit log.

A shell around the pure cores (:mod:`dystonia.clinical`, :mod:`dystonia.scales`,
:mod:`dystonia.motion`): every function of :mod:`dystonia.records.service` checks the access
policy (:mod:`dystonia.records.policy`) and writes an audit event (:mod:`dystonia.records.audit`)
in the same transaction as the data it reads or writes.
"""
