"""A call handed to the poster thread early sends nothing until its batch is in flight.

The worker hands the next batch's call to the poster thread before it has committed that batch
in flight (so the request is built meanwhile); the request waits at a gate. These tests drive
the gate with a connection whose ``post_to_esp`` records what reaches "the provider".
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from newsletter.sending.worker import NotPosted, _call, _Gate, _gate_requests


class RecordingConnection:
    """Stands in for an Anymail backend: every request goes through ``post_to_esp``."""

    def __init__(self) -> None:
        self.posted: list[str] = []

    def post_to_esp(self, payload, message):
        self.posted.append(payload)
        return "answer"


class OneRequestProvider:
    def send(self, content, recipients, connection):
        return connection.post_to_esp(f"{content}:{','.join(recipients)}", None)


def test_a_call_refused_at_its_gate_reaches_no_provider():
    connection = RecordingConnection()
    assert _gate_requests(connection)
    gate = _Gate()
    with ThreadPoolExecutor(1) as poster:
        call = poster.submit(
            _call, gate, OneRequestProvider(), "issue", ["a@example.org"], connection
        )
        gate.decide(False)  # the send was paused before the batch was committed in flight
        with pytest.raises(NotPosted):
            call.result(timeout=5)
    assert connection.posted == []


def test_a_call_let_go_posts_once_and_only_after_the_decision():
    connection = RecordingConnection()
    _gate_requests(connection)
    gate = _Gate()
    started = threading.Event()
    provider = OneRequestProvider()

    def call_and_flag(*args):
        started.set()
        return _call(*args)

    with ThreadPoolExecutor(1) as poster:
        call = poster.submit(call_and_flag, gate, provider, "issue", ["a@example.org"], connection)
        started.wait(5)
        assert connection.posted == []  # held at the gate
        gate.decide(True)
        gate.decide(False)  # only the first decision counts
        assert call.result(timeout=5) == "answer"
    assert connection.posted == ["issue:a@example.org"]


def test_calls_without_a_gate_post_at_once():
    connection = RecordingConnection()
    _gate_requests(connection)
    with ThreadPoolExecutor(1) as poster:
        call = poster.submit(
            _call, None, OneRequestProvider(), "issue", ["b@example.org"], connection
        )
        assert call.result(timeout=5) == "answer"
    assert connection.posted == ["issue:b@example.org"]


def test_a_connection_without_post_to_esp_is_not_gated():
    assert _gate_requests(object()) is False
