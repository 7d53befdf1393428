"""Chat and reactions between two browsers; user text stays text."""

from __future__ import annotations

import asyncio
import re

import pytest
from playwright.async_api import Browser, expect

from tests.integration.browser.test_hallway_e2e import sign_up, start_room
from tests.live_server import LiveServer

pytestmark = pytest.mark.browser

EVIL = '<img src=x onerror="window.__pwned=1"> hi, see https://example.org/notes'


async def test_chat_reactions_pin(browser: Browser, web_server: LiveServer) -> None:
    base = web_server.url
    host = await (await browser.new_context()).new_page()
    guest = await (await browser.new_context()).new_page()
    await sign_up(host, base, "hosta", "Host A")
    await sign_up(guest, base, "lis", "Lis Tener")
    await host.get_by_role("button", name="Start a room").click()
    await host.get_by_role("button", name="Let's go").click()
    await host.wait_for_url(re.compile(r"/r/"))
    await guest.goto(host.url)
    await expect(host.locator("#audience")).to_contain_text("Lis Tener")

    # a message with HTML in it arrives on the host's page as text, its link clickable
    await guest.get_by_label("Message").fill(EVIL)
    await guest.get_by_role("button", name="Send").click()
    message = host.locator("#chat-list li", has_text="Lis Tener")
    await expect(message).to_contain_text('<img src=x onerror="window.__pwned=1"> hi')
    assert await host.locator("#chat-list img").count() == 0
    assert await host.evaluate("window.__pwned === undefined")
    link = message.get_by_role("link", name="https://example.org/notes")
    await expect(link).to_have_attribute("rel", "noopener nofollow ugc")

    # a reaction floats for everyone
    await guest.get_by_role("button", name="React 🔥").click()
    await expect(host.locator("#audience .person[data-reaction='🔥']")).to_have_count(1)

    # the host deletes the message: gone from the listener's page too
    await host.get_by_role("button", name="Delete message from Lis Tener").click()
    await expect(guest.locator("#chat-list li").first).to_contain_text("message deleted")

    # and pins a link from the settings sheet
    await host.get_by_role("button", name="More actions").click()
    await host.get_by_role("button", name="Room settings").click()
    await host.get_by_label("Pinned link").fill("https://example.org/agenda")
    await host.get_by_role("button", name="Save").click()
    await expect(guest.locator("#pinned-link")).to_have_text("https://example.org/agenda")


async def test_questions_and_polls_on_every_page(browser: Browser, web_server: LiveServer) -> None:
    base = web_server.url
    host = await (await browser.new_context()).new_page()
    ann = await (await browser.new_context()).new_page()
    bob = await (await browser.new_context()).new_page()
    await sign_up(host, base, "hostp", "Host P")
    await sign_up(ann, base, "annp", "Ann P")
    await sign_up(bob, base, "bobp", "Bob P")
    await host.get_by_role("button", name="Start a room").click()
    await host.get_by_role("button", name="Let's go").click()
    await host.wait_for_url(re.compile(r"/r/"))
    for page in (ann, bob):
        await page.goto(host.url)
    for page in (host, ann, bob):
        await page.get_by_role("tab", name="Q&A").click()

    # Ann asks; Bob upvotes (once); the host marks it answered: everyone sees it
    await ann.get_by_label("Your question").fill("Is <b>jazz</b> the new punk?")
    await ann.get_by_role("button", name="Ask").click()
    upvote = bob.locator("#qa-list .upvote").first
    await upvote.click()
    await expect(upvote).to_be_disabled()
    await expect(host.locator("#qa-list li").first).to_contain_text("1")
    await host.get_by_role("button", name="Mark answered").click()
    await expect(ann.locator("#qa-list li").first).to_contain_text("Answered")
    await expect(ann.locator("#qa-list li").first).to_contain_text("Is <b>jazz</b> the new punk?")

    # the host opens a poll; Ann and Bob vote; counts agree on all pages; the host closes it
    await host.get_by_role("tab", name="Polls").click()
    await host.get_by_label("Poll question").fill("Jazz or punk?")
    await host.get_by_label("Options, one per line (2–6)").fill("Jazz\nPunk\nBoth")
    await host.get_by_role("button", name="Open poll").click()
    for page, choice in ((ann, "Both"), (bob, "Both")):
        await page.get_by_role("tab", name="Polls").click()
        await page.locator(".poll").get_by_role("button", name=choice).click()
    for page in (host, ann, bob):
        await expect(page.locator(".poll")).to_contain_text("2 votes", timeout=10_000)
    await host.get_by_role("button", name="Close poll").click()
    for page in (host, ann, bob):
        await expect(page.locator(".poll")).to_contain_text("2 votes · Closed")
        await expect(page.locator(".poll .poll-option").nth(2)).to_contain_text("2 · 100%")


async def test_the_phone_conversation_sheet_follows_new_messages(
    browser: Browser, web_server: LiveServer
) -> None:
    base = web_server.url
    phone = {"width": 390, "height": 844}
    host = await (await browser.new_context(viewport=phone)).new_page()
    reader = await (await browser.new_context(viewport=phone)).new_page()
    await sign_up(host, base, "hostc", "Host C")
    await sign_up(reader, base, "reader", "Rea Der")
    await start_room(host)
    await reader.goto(host.url)
    await expect(host.locator("#audience")).to_contain_text("Rea Der")

    # the sheet is closed: new messages count on the Chat button
    await host.get_by_role("button", name="Chat").click()
    long = "A long message that wraps over several lines on a phone, " * 3
    for i in range(5):
        await host.locator("#chat-input").fill(f"{i}: {long}")
        await host.get_by_role("button", name="Send").click()
    chat = reader.get_by_role("button", name=re.compile(r"^Chat"))
    await expect(chat).to_have_accessible_name("Chat, 5 new messages")
    await expect(reader.locator("#unread")).to_have_text("5")

    # opened: the newest message is in view, and the count is gone
    await chat.click()
    scroll = reader.locator("#chat-scroll")
    newest = reader.locator("#chat-list li").last
    await expect(newest).to_be_in_viewport()
    await expect(reader.locator("#unread")).to_be_hidden()
    at_end = "(e) => e.scrollHeight - e.scrollTop - e.clientHeight < 48"
    assert await scroll.evaluate("(e) => e.scrollHeight > e.clientHeight + 100")

    # scrolled up to read: a new message does not pull the list down, "New messages ↓" does
    await scroll.evaluate("(e) => { e.scrollTop = 0; }")
    await asyncio.sleep(2.1)  # chat allows bursts of 5, then one message per 2 s
    await host.locator("#chat-input").fill("5: and one more")
    await host.get_by_role("button", name="Send").click()
    more = reader.get_by_role("button", name="New messages ↓")
    await expect(more).to_be_visible()
    assert await scroll.evaluate("(e) => e.scrollTop") == 0
    await more.click()
    assert await scroll.evaluate(at_end)
    await expect(more).to_be_hidden()
    # at the end, the list follows by itself
    await asyncio.sleep(2.1)
    await host.locator("#chat-input").fill("6: the last")
    await host.get_by_role("button", name="Send").click()
    await expect(reader.locator("#chat-list li").last).to_contain_text("6: the last")
    await expect(reader.locator("#chat-list li").last).to_be_in_viewport()
    await expect(more).to_be_hidden()
    # Escape closes the sheet and gives focus back to the Chat button
    await reader.keyboard.press("Escape")
    await expect(reader.locator("#convo")).to_be_hidden()
    await expect(chat).to_be_focused()
