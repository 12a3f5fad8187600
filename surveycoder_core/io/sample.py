"""A bundled, ready-made sample survey: "Try it with sample data" in the app, ``surveycoder sample`` on the CLI.

Fictional brand (Northwave Broadband) and fictional respondents, written for this project. Each
verbatim answers the NPS follow-up question below and carries attributes (region, age band,
customer type, NPS group) so filters and crosstabs have something to show.
"""

from __future__ import annotations

from surveycoder_core.schemas import CodeRequest, ResponseIn

QUESTION = "What is the main reason for your score, and what could Northwave Broadband improve?"
PROJECT_NAME = "Northwave Broadband — Customer NPS, Q3 (sample)"

# (NPS group, verbatim). P = promoter (9-10), A = passive (7-8), D = detractor (0-6).
_VERBATIMS: tuple[tuple[str, str], ...] = (
    ("P", "Fast and reliable connection, I work from home and never have problems on video calls."),
    ("P", "Speeds are exactly what I was promised. Very happy."),
    ("P", "Engineer turned up on time, installed everything in under an hour and explained the router."),
    ("D", "Internet drops out every evening between 7 and 10pm, which is exactly when we need it."),
    ("D", "Price went up again in April with no warning. That's the second rise this year."),
    ("A", "Good service overall but the price is creeping up each year."),
    ("D", "Spent 45 minutes on hold to customer services, then got cut off."),
    ("P", "The app makes it easy to check my bill and run a speed test."),
    ("A", "Connection is fine most of the time, the occasional outage but nothing major."),
    ("D", "Router keeps restarting itself. Third replacement and it still does it."),
    ("P", "Support team on the chat sorted my issue in ten minutes, really friendly."),
    ("D", "Was told I'd get 500Mb, I get about 120 on a good day."),
    ("A", "Decent value but the introductory deal ends soon and the new price is a lot higher."),
    ("P", "Never had a single outage in two years. Can't ask for more than that."),
    ("D", "Cancelling was a nightmare, they kept transferring me to retentions."),
    ("A", "Wifi doesn't reach the upstairs bedrooms, had to buy a booster myself."),
    ("P", "Cheaper than my old provider and twice as fast."),
    ("D", "Installation was delayed three times. I took three days off work for nothing."),
    ("A", "Fine. It works. Would like a better router though."),
    ("D", "Customer service staff clearly read from a script and don't understand the problem."),
    ("P", "Great for gaming, low ping and no lag."),
    ("D", "Bill was wrong two months in a row and it took weeks to get a refund."),
    ("A", "Speeds are good but the upload is a bit slow for uploading videos."),
    ("P", "Easy to set up, just plugged in the router and it worked."),
    ("D", "Outage last week lasted four days and nobody told us what was going on."),
    ("A", "No complaints really, maybe offer loyalty discounts for long standing customers."),
    ("P", "Friendly engineer, tidy install, no mess left behind."),
    ("D", "They charge existing customers more than new ones. Feels like a penalty for loyalty."),
    ("A", "The service is OK but the app logs me out constantly."),
    ("D", "Connection is so unreliable I've gone back to using my phone as a hotspot."),
    ("P", "Whole family streams at the same time with no buffering."),
    ("A", "Good speeds, but contract is 24 months which is too long."),
    ("D", "Took a month to get someone to fix a fault on the line."),
    ("P", "Helpful staff in the shop explained the packages without any pressure."),
    ("A", "Works well. Price is a little high compared with what my neighbours pay."),
    ("D", "Hidden fees on the first bill that nobody mentioned when I signed up."),
    ("P", "Reliable, fast and the price is fair."),
    ("A", "Mostly reliable but drops for a few seconds several times a day."),
    ("D", "Rude agent on the phone who basically called me a liar about the outage."),
    ("P", "I like that I can talk to a real person in the UK when I call."),
    ("D", "Speed halves in the evenings, paying for fibre and getting dial up."),
    ("A", "Happy enough, would be nice to get a free upgrade to the newer router."),
    ("P", "Switching over was seamless, they handled everything with my old supplier."),
    ("D", "Engineer didn't turn up and no one called to say why."),
    ("A", "Service is good, communication about planned maintenance could be better."),
    ("P", "Mesh wifi they supplied covers the whole house and garden."),
    ("D", "Way too expensive for what you get. Looking at other providers now."),
    ("A", "Fast broadband but the TV package is poor value."),
    ("D", "I've reported the same fault five times. Each time I start from scratch with someone new."),
    ("P", "Consistently fast, even on a Sunday night."),
    ("A", "It's fine, I don't think about it, which is probably a good thing."),
    ("D", "The router they provide is cheap and overheats."),
    ("P", "Fair price, no surprises on the bill."),
    ("D", "Promised a call back three times. Never happened."),
    ("A", "Decent. The online account area is confusing to find anything."),
    ("P", "Installation team were brilliant, ran the cable exactly where I asked."),
    ("D", "Broadband goes down whenever it rains. Been like this for months."),
    ("A", "Reasonable service, price rise was annoying though."),
    ("P", "Quick to resolve a fault, had a text update at every step."),
    ("D", "Moved house and they couldn't transfer my service for six weeks."),
    ("A", "Speeds vary a lot through the day, not always what's advertised."),
    ("P", "Best broadband I've had. Recommend to everyone."),
    ("D", "Contract auto-renewed at a higher price without asking me."),
    ("A", "Good but could do with a cheaper option for people who just browse and email."),
    ("P", "The chat bot actually understood what I wanted and passed me to a human quickly."),
    ("D", "Complaint took eight weeks to resolve and I had to go to the ombudsman."),
    ("A", "Wifi is patchy in the kitchen, otherwise no issues."),
    ("P", "Rock solid connection for my home business."),
    ("D", "Keeps buffering on Netflix every single night."),
    ("A", "Pricing is confusing, too many add ons and bundles."),
    ("P", "Good value compared with the big names."),
    ("D", "Your hold music is the only thing I hear from you."),
    ("A", "Fine service but the welcome emails and texts are too frequent."),
    ("P", "Upgrade to full fibre was free and made a huge difference."),
    ("D", "Lost connection for the whole of the weekend, no compensation offered."),
    ("A", "It does the job. Customer service could be faster to answer."),
    ("P", "Engineer fixed a wiring problem that two other providers missed."),
    ("D", "Sales rep lied about the speed available at my address."),
    ("A", "Upload speed too slow for my work video calls, download is fine."),
    ("P", "Simple, clear bills and a price that doesn't change."),
    ("D", "Price has gone up 30% since I joined."),
    ("A", "Good speeds, router lights are really bright in the bedroom though!"),
    ("P", "Every time I've called, the issue was sorted on the first call."),
    ("D", "Dropouts every hour, makes online gaming impossible."),
    ("A", "Service is reliable but I'd like more flexible contracts, like rolling monthly."),
    ("P", "Very stable connection and quick customer support when needed."),
    ("D", "Customer service is the worst I've ever dealt with."),
    ("A", "Not bad. The installation date was pushed back once."),
    ("P", "Fast, cheap and the app is great."),
    ("D", "Still waiting for the refund they promised in June."),
    ("A", "Satisfied but the speeds are lower than on the advert."),
    ("P", "Really impressed with the parental controls in the app."),
    ("D", "The line has been faulty since installation and no one can tell me why."),
    ("A", "It's alright, the price was the main reason I chose them."),
    ("P", "They called me before my deal ended and offered a better price. Great touch."),
    ("D", "Had to chase them to cancel and they still charged me for an extra month."),
    ("A", "Ok service, would be good to have a proper phone number instead of only chat."),
    ("P", "The connection is good and the engineers know what they're doing."),
    ("D", "Terrible coverage in the house, the hub is useless beyond one room."),
    ("A", "Value is fine. Outages are rare but take a while to fix."),
    ("P", "No problems at all, everything just works."),
    ("D", "Billing errors every few months, I have to check every bill now."),
    ("A", "Speed OK, but a static IP for my business costs far too much."),
    ("P", "Superb service from Aisha on the helpline, she went above and beyond."),
    ("D", "Slow. Slow. Slow."),
    ("A", "Reliable but the price for the top speed tier is too steep."),
    ("P", "Best customer service I've had from any company in years."),
    ("D", "Connection drops whenever more than two devices are streaming."),
    ("A", "Mostly good, but it took two visits to get the install right."),
    ("P", "Great price for the speed, and the first three months were half price."),
    ("D", "You cut us off for a missed payment during a bereavement. Shameful."),
    ("A", "Good product, poor communication when things go wrong."),
    ("P", "Uptime has been near perfect for my small office."),
    ("D", "I can't get through on the phone at all, the line just rings out."),
    ("A", "Would score higher if the evening speeds held up."),
    ("P", "Got exactly what I paid for, nothing more to say."),
    ("D", "Awful. Outages, price rises and no one takes responsibility."),
    ("A", "Reasonable. The set up instructions could be clearer for older people."),
    ("P", "Super fast downloads, game updates take minutes instead of hours."),
    ("D", "Told my area had full fibre, turns out it's copper to the house."),
    ("A", "The deal was good but renewal price is not competitive."),
    ("P", "Engineer was polite, quick and even helped set up my smart TV."),
    ("D", "Wifi signal is so weak I can't use it in the next room."),
    ("A", "Fine for me, my son says the ping could be lower for games."),
    ("P", "Billing is clear, I get a text before every payment."),
    ("D", "Charged an early termination fee even though they failed to provide the speed."),
    ("A", "Not much to say, service is steady but not exceptional."),
    ("P", "Loyal customer for 8 years, always treated well."),
    ("D", "Live chat agent closed the chat on me mid conversation."),
    ("A", "Decent provider, I'd like an option without a landline."),
    ("P", "I love the no-contract option, gives me peace of mind."),
    ("D", "Outage map on the website said no problems while we had no internet for two days."),
    ("A", "Speeds are good, the price rise linked to inflation plus 3.9% is unfair."),
    ("P", "Quick install, fast internet, friendly people. What more could you want?"),
    ("D", "Sold me a package I didn't need, took months to downgrade."),
    ("A", "Good, but the router has to be rebooted once a week."),
    ("P", "It's reliable enough that I forget it's there."),
    ("D", "Connection is fine but customer service is shocking so I'd never recommend you."),
    ("A", "Price is ok, speed is ok, support is ok. Just ok."),
    ("P", "Helpful video guides on the website solved my wifi problem."),
    ("D", "Engineer damaged my wall during install and you refused to pay for the repair."),
    ("A", "Reception is poor in my garden office, needed an extender."),
    ("P", "Excellent speeds for the money, much better than my previous supplier."),
    ("D", "Three weeks without broadband after the cabinet was hit by a car and barely an apology."),
    ("A", "Generally reliable. The monthly cost is my only gripe."),
    ("P", "Honest advice, they told me I didn't need the most expensive package."),
    ("D", "n/a"),
    ("A", "-"),
    ("P", "Fast fast fast!"),
    ("D", "No comment."),
)

_REGIONS = ("London", "South East", "South West", "Midlands", "North West", "North East", "Scotland", "Wales")
_AGES = ("18-34", "35-54", "55+")
_TYPES = ("Home", "Home", "Home", "Business")
_NPS_LABEL = {"P": "Promoter", "A": "Passive", "D": "Detractor"}
_SCORES = {"P": (9, 10), "A": (7, 8), "D": (0, 2, 3, 4, 5, 6)}


def _pick(options: tuple, i: int, salt: int) -> object:
    """A fixed, well-spread choice for respondent ``i`` (no randomness: the sample is the same every time)."""
    return options[(i * 7 + salt * 13 + (i * i) % 11) % len(options)]


def sample_responses() -> list[ResponseIn]:
    out = []
    for i, (group, text) in enumerate(_VERBATIMS):
        region = _pick(_REGIONS, i, 1)
        age = _pick(_AGES, i, 2)
        customer = _pick(_TYPES, i, 3)
        if group == "D" and i % 3 == 0:
            age = "55+"  # older respondents complain about service more in this fictional wave
        if "business" in text.lower() or "office" in text.lower() or "static ip" in text.lower():
            customer = "Business"
        out.append(ResponseIn(
            id=f"NW{1001 + i}",
            text=text,
            attributes={"region": region, "age_band": age, "customer_type": customer,
                        "nps_group": _NPS_LABEL[group], "nps_score": _pick(_SCORES[group], i, 4)},
        ))
    return out


def sample_request() -> CodeRequest:
    """The sample survey as a /v2/code request body (no codebook: the engine builds one)."""
    return CodeRequest(responses=sample_responses(), coding_type="qualitative", language="en",
                       question_text=QUESTION, project_name=PROJECT_NAME)
